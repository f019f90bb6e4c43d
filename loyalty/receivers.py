"""loyalty listens to the apps it depends on: they must not know loyalty exists (SPEC §1).

Each receiver is thin and calls one idempotent service, so a signal sent twice never
awards twice (R13). Ticket receivers run inside the ticket's own transaction, so a ticket
never closes without its points, nor earns while its close rolls back; that transaction
holds the ticket's row lock (tickets/signals.py), so the reconcile doesn't take it again.
"""

from loyalty import merge
from loyalty.earning import feedback, reconcile


def ticket_closed(sender, ticket, now=None, **kwargs):
    """A closed ticket earns (R7); tickets announce the close, we reconcile."""
    reconcile.ticket_points_reconcile(ticket=ticket, now=now, locked=True)


def ticket_adjusted(sender, ticket, now=None, **kwargs):
    """A closed ticket's lines changed: post the difference at the close-time rates (R16)."""
    reconcile.ticket_points_reconcile(ticket=ticket, now=now, locked=True)


def ticket_voided(sender, ticket, now=None, **kwargs):
    """A void takes back everything the ticket earned and gives back its redemptions (R16, R22)."""
    reconcile.ticket_points_reconcile(ticket=ticket, now=now, locked=True)


def payment_removed(sender, ticket, now=None, **kwargs):
    """A removed points payment gives its points back at once (R22)."""
    reconcile.ticket_points_reconcile(ticket=ticket, now=now, locked=True)


def client_merged(sender, survivor, duplicate, user=None, now=None, **kwargs):
    """clients moves its own rows and announces the merge; each app moves its rows (R17)."""
    merge.client_loyalty_merge(survivor=survivor, duplicate=duplicate, user=user, now=now)


def feedback_saved(sender, instance, created=False, raw=False, **kwargs):
    """feedback doesn't know loyalty: recording or sharing feedback earns (R7, R37)."""
    if raw:
        return
    if created or instance.shared:
        feedback.feedback_points_award(feedback=instance)
