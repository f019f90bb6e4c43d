"""What the feedback services refuse, one class per broken rule (R71, salon/errors.py)."""

from salon.errors import DomainError


class TicketOfAnotherClient(DomainError):
    code = "ticket_of_another_client"
    message = "This ticket is not one of this client's."


class RatingOutOfRange(DomainError):
    code = "rating_out_of_range"
    message = "Rate from 1 to 5."


class FeedbackExists(DomainError):
    code = "feedback_exists"
    message = "This ticket already has feedback."


class NoSharePermission(DomainError):
    code = "no_share_permission"
    message = "The client didn't give permission to share this feedback."
