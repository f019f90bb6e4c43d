"""One-time codes, written once (#12): the sign-up code texted to a phone (SPEC §11), the
code e-mailed to a new address (R77) and the code a redemption needs (R57). Each is 6
digits, lives 10 minutes, dies after 5 wrong tries, works once, and only its hash is kept;
only the latest code of its kind counts (each caller reads that row, locked)."""

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password

from salon.errors import DomainError

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
CODE_LIFETIME_MINUTES = int(CODE_LIFETIME.total_seconds() // 60)
CODE_MAX_TRIES = 5


def code_new() -> tuple[str, str]:
    """A new code to send, and the hash to store in place of it."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    return code, make_password(code)


def code_refusal(
    row,
    code,
    *,
    now: datetime,
    missing: DomainError,
    expired: DomainError,
    dead: DomainError,
    wrong: Callable[[int], DomainError],
) -> DomainError | None:
    """None when `code` is the (locked) row's code and the row may still be used; else the
    refusal, each caller with its own codes. A wrong try is counted on the row; the caller
    raises the refusal after its transaction commits, or the 5-try limit would never bite.
    `wrong` gets the tries left; the try that uses up the last one answers `dead`."""
    if row is None or row.used_at is not None:
        return missing
    if now >= row.expires_at:
        return expired
    if row.attempts >= CODE_MAX_TRIES:
        return dead
    if check_password(str(code).strip(), row.code_hash):
        return None
    row.attempts += 1
    row.save(update_fields=["attempts"])
    tries_left = CODE_MAX_TRIES - row.attempts
    return wrong(tries_left) if tries_left else dead
