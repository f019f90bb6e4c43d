"""The refusals of the accounts app, one class per broken rule (R71; salon/errors.py)."""

from salon.errors import DomainError, TooManyAttempts


class InvalidCredentials(DomainError):
    """A wrong username or password, or an inactive account (the same answer for each)."""

    code = "invalid_credentials"
    message = "Unable to sign in with that username and password."


class SignInLocked(TooManyAttempts):
    """django-axes counted too many failures for this username and address (429)."""

    message = (
        "Too many failed sign-ins for this username from this address; try again later or ask "
        "the salon to unlock the account."
    )


class InvalidEmail(DomainError):
    code = "invalid_email"
    message = "Enter a valid e-mail address."


class EmailTaken(DomainError):
    code = "email_taken"
    message = "An account with this e-mail address already exists; sign in instead."


class EmailOnAnotherClient(EmailTaken):
    """R77: an address another client's record holds can't become this client's (the same
    rule as an account's address, worded for a record)."""

    message = "Another client already uses this e-mail address."


class EmailRequired(DomainError):
    code = "email_required"
    message = "Your app account signs in with this e-mail address: it can't be blank."


class PhoneHasAccount(DomainError):
    code = "phone_has_account"
    message = (
        "A client with this phone number already has an app account; sign in instead "
        "(or ask the salon to reset it)."
    )


class NoCode(DomainError):
    code = "no_code"
    message = "No sign-up code is waiting for this phone number; sign up again to get one."


class CodeExpired(DomainError):
    code = "code_expired"
    message = "This code has expired (codes last 10 minutes); sign up again to get a new one."


class CodeDead(DomainError):
    code = "code_dead"
    message = "Too many wrong codes: this code no longer works. Sign up again to get a new one."


class CodeWrong(DomainError):
    code = "code_wrong"
    message = "Wrong code."


class CodeTooSoon(DomainError):
    code = "code_too_soon"
    message = "A code was texted to this number less than a minute ago; wait before asking again."


class CodeBlocked(DomainError):
    code = "code_blocked"
    message = (
        "This phone number has opted out of the salon's texts, so no code can be sent: reply "
        "START to the salon's number, then sign up again."
    )


class ClientChanged(DomainError):
    code = "client_changed"
    message = "This client record has changed since the code was sent; sign up again."


# The e-mail change (R77) keeps sign-up's code rules (10 minutes, 5 tries): the same classes,
# with the advice that fits the change.


class NoEmailChange(NoCode):
    message = "No e-mail change is waiting for a code; change your e-mail address again."


class EmailCodeExpired(CodeExpired):
    message = (
        "This code has expired (codes last 10 minutes); change your e-mail address again "
        "to get a new one."
    )


class EmailCodeDead(CodeDead):
    message = (
        "Too many wrong codes: this code no longer works. Change your e-mail address again "
        "to get a new one."
    )
