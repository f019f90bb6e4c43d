"""Refusals of the staff app (R41, R42); codes are listed in the README."""

from salon.errors import DomainError


class StaffInactive(DomainError):
    """An inactive staff member takes no new appointments and no new ticket lines; the
    message names them."""

    code = "staff_inactive"
    message = "This staff member is no longer active."


class StaffNameMissing(DomainError):
    code = "staff_name_missing"
    message = "Give the staff member a name."


class StaffNameTaken(DomainError):
    code = "staff_name_taken"
    message = "Another staff member already has this name; add an initial to tell them apart."


class StaffLoginInvalid(DomainError):
    code = "staff_login_invalid"
    message = "A staff member's login must be a staff user (one who signs in to admin)."


class StaffLoginTaken(DomainError):
    code = "staff_login_taken"
    message = "This login already belongs to another staff member."


class StaffColorInvalid(DomainError):
    code = "staff_color_invalid"
    message = "Give the colour as # and six hex digits, e.g. #4f7cac."


class HoursInvalidWeekday(DomainError):
    code = "hours_invalid_weekday"
    message = "The weekday is a number from 0 (Monday) to 6 (Sunday)."


class HoursEndNotAfterStart(DomainError):
    code = "hours_end_not_after_start"
    message = "Working hours must end after they start."


class HoursOverlap(DomainError):
    code = "hours_overlap"
    message = "Two ranges of working hours on the same day overlap."


class ExceptionTimesIncomplete(DomainError):
    code = "exception_times_incomplete"
    message = "Give both a start and an end, or neither for a day off."


class ExceptionConflict(DomainError):
    code = "exception_conflict"
    message = "That date already has a day off or hours that clash with these."
