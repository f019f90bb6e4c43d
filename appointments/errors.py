"""The refusals of the appointments app, one class per broken rule (R71, R42; salon/errors.py);
codes are listed in the README."""

from salon.errors import DomainError


class WrongItemKind(DomainError):
    code = "wrong_item_kind"
    message = "Choose an item of the right kind."


class StartWithoutTimeZone(DomainError):
    code = "start_without_time_zone"
    message = "Give the start as a date and time with its time zone."


class StartInPast(DomainError):
    code = "start_in_past"
    message = "An appointment can't start in the past."


class StatusChangeRefused(DomainError):
    code = "status_change_refused"
    message = "The appointment can't move to this status."


class NoShowBeforeStart(DomainError):
    code = "no_show_before_start"
    message = "An appointment that hasn't started can't be a no-show."


class InvalidQuantity(DomainError):
    code = "invalid_quantity"
    message = "Reserve at least 1."


class ReservationNotReserved(DomainError):
    code = "reservation_not_reserved"
    message = "Only a reserved product can be cancelled."


class StaffDoubleBooked(DomainError):
    code = "staff_double_booked"
    message = "The staff member already has an appointment at that time."


class SlotUnavailable(DomainError):
    code = "slot_unavailable"
    message = "That time is not available; pick one of the times offered."


class AppointmentNotReschedulable(DomainError):
    code = "appointment_not_reschedulable"
    message = "Only a booked or confirmed appointment can be moved."
