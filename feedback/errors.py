"""What the feedback services refuse, one class per broken rule (R71, salon/errors.py)."""

from feedback.models import RATING_MAX, RATING_MIN
from salon.errors import DomainError


class TicketOfAnotherClient(DomainError):
    code = "ticket_of_another_client"
    message = "This ticket is not one of this client's."


class RatingOutOfRange(DomainError):
    code = "rating_out_of_range"
    message = f"Rate from {RATING_MIN} to {RATING_MAX}."


class FeedbackExists(DomainError):
    code = "feedback_exists"
    message = "This ticket already has feedback."


class NoSharePermission(DomainError):
    code = "no_share_permission"
    message = "The client didn't give permission to share this feedback."
