"""What the front desk's composed services refuse (R49, R71): one class per broken rule."""

from salon.errors import DomainError


class ReceiptForOpenTicket(DomainError):
    code = "ticket_still_open"
    message = "An open ticket has no receipt yet: close it first."


class NoEmailAddress(DomainError):
    code = "no_email_address"
    message = "This client has no e-mail address: add one, text or print the receipt."


class ReceiptWithoutClient(DomainError):
    code = "walk_in_receipt"
    message = "A walk-in ticket has no client to send the receipt to: print it."


class UnknownReceiptChannel(DomainError):
    code = "unknown_receipt_channel"
    message = "Send by “sms” or “email”."
