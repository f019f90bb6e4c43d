"""Events messaging announces (SPEC §1); messaging imports no other domain app."""

from django.dispatch import Signal

# Sent once per inbound text (a duplicate webhook delivery is not announced again), inside
# the webhook's transaction, with sender=Message, message=Message, from_number=str (E.164
# when it parses), body=str. A receiver may return a reply text; the webhook answers with
# the first non-empty reply, or with the help text when no receiver has one.
sms_received = Signal()
