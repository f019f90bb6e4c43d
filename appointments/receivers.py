"""appointments listens to the apps that must not know it (SPEC §1)."""

import logging

from appointments.confirmations import sms_reply_handle
from appointments.services import client_rows_move

logger = logging.getLogger(__name__)


def client_merged(sender, survivor, duplicate, **kwargs):
    """clients announces a merge inside its transaction; we move our own rows (R17)."""
    client_rows_move(survivor=survivor, duplicate=duplicate)


def sms_received(sender, message, from_number, body, **kwargs):
    """messaging can't know appointments; a client's C or STOP is handled here (R38).

    A failure here must not turn the provider's webhook into a 500: the service runs in
    its own savepoint, and the text is still stored and answered with help.
    """
    try:
        return sms_reply_handle(message=message, from_number=from_number, body=body)
    except Exception:
        logger.exception("Could not act on text %s from %s", message.pk, from_number)
        return None
