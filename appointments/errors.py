"""Refusals of the booking rules (R42); codes are listed in the README."""

from salon.errors import DomainError


class StaffDoubleBooked(DomainError):
    code = "staff_double_booked"
    message = "The staff member already has an appointment at that time."


class SlotUnavailable(DomainError):
    code = "slot_unavailable"
    message = "That time is not available; pick one of the times offered."


class StaffInactive(DomainError):
    code = "staff_inactive"
    message = "This staff member no longer takes appointments."


class AppointmentNotReschedulable(DomainError):
    code = "appointment_not_reschedulable"
    message = "Only a booked or confirmed appointment can be moved."
