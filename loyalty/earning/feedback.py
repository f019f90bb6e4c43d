"""Points for feedback (R7's exceptions, R37): `feedback` once per ticket when recorded,
`shared_feedback` once per feedback when shared."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from clients.selectors import client_survivor
from feedback.models import Feedback
from loyalty import ledger
from loyalty.actions import Action, Beneficiary
from loyalty.earning.rules import available_at
from loyalty.models import EntryKind, PointsEntry
from loyalty.selectors import earning_rules_get, loyalty_settings_get
from salon.selectors import features_get
from tickets.locks import lock_ticket
from tickets.models import TicketStatus


@transaction.atomic
def feedback_points_award(*, feedback: Feedback, now: datetime | None = None) -> list[PointsEntry]:
    """`feedback` once per ticket when recorded, `shared_feedback` once per feedback when
    shared; at the rules in force now (R37)."""
    now = now or timezone.now()
    if not features_get().rewards_referrals:
        return []
    ticket = lock_ticket(feedback.ticket_id)
    if ticket.status != TicketStatus.CLOSED:
        return []
    client = client_survivor(feedback.client)
    rules = {rule.action: rule for rule in earning_rules_get()}
    held_until = available_at(hold_hours=loyalty_settings_get().hold_hours, now=now)
    wanted = [(Action.FEEDBACK, f"ticket:{ticket.pk}:feedback")]
    if feedback.shared:
        wanted.append((Action.SHARED_FEEDBACK, f"feedback:{feedback.pk}:shared_feedback"))
    taken = set(
        PointsEntry.objects.filter(idempotency_key__in=[key for _, key in wanted]).values_list(
            "idempotency_key", flat=True
        )
    )
    entries = [
        PointsEntry(
            client=client,
            points=rules[action].points,
            kind=EntryKind.EARN,
            action=action,
            beneficiary=Beneficiary.CLIENT,
            ticket=ticket,
            feedback=feedback,
            created_at=now,
            available_at=held_until,
            memo=f"{rules[action].get_action_display()} (ticket #{ticket.pk})",
            idempotency_key=key,
        )
        for action, key in wanted
        if key not in taken and rules[action].active and rules[action].points > 0
    ]
    return ledger.entries_post(entries)
