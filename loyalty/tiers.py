"""Tiers (R61): qualifying spend, the upgrade at a ticket's close, the monthly downgrade
review and manual placement (the Manager's tier table is loyalty/tier_table.py). The rules
are the pure functions of loyalty/tier_rules.py; this module fetches their inputs and
writes their outcome, each change with its TierChange audit row in the same transaction."""

import dataclasses
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clients.errors import ClientMerged
from clients.merge import merged_from_note, merged_into_note
from clients.models import Client
from loyalty.errors import TierReasonRequired
from loyalty.models import ClientTier, Tier, TierChange, TierChangeKind
from loyalty.rewards_box import RewardsSummary
from loyalty.selectors import loyalty_settings_get
from loyalty.sql.standing import tier_standing_rows
from loyalty.tier_rules import (
    NextTier,
    TierTerms,
    next_tier,
    review_due,
    tier_after_close,
    tier_after_merge,
    tier_after_review,
)
from salon.errors import PermissionRefused
from salon.limits import REASON_MAX_LENGTH
from salon.users import acting_user
from tickets.spend import client_qualifying_spend_since

# --- reads --------------------------------------------------------------------------------


def tier_terms(tier: Tier | None) -> TierTerms | None:
    if tier is None:
        return None
    return TierTerms(
        id=tier.pk,
        name=tier.name,
        min_spend=tier.min_spend,
        keep_spend=tier.keep_spend,
        multiplier=tier.multiplier,
    )


def tiers_terms() -> list[TierTerms]:
    return [tier_terms(tier) for tier in Tier.objects.order_by("min_spend")]


def _from_cents(cents) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def _window_start(now: datetime | None, window_days: int | None = None) -> datetime:
    if window_days is None:
        window_days = loyalty_settings_get().tier_window_days
    return (now or timezone.now()) - timedelta(days=window_days)


def client_qualifying_spend(*, client_id: int, now: datetime | None = None) -> Decimal:
    """The client's qualifying spend over the settings' tier window (R61): what their
    tickets closed in the last `tier_window_days` count (tickets/spend.py)."""
    return client_qualifying_spend_since(client_id=client_id, since=_window_start(now))


def client_tier_get(*, client_id: int) -> Tier | None:
    status = ClientTier.objects.select_related("tier").filter(client_id=client_id).first()
    return status.tier if status is not None else None


@dataclasses.dataclass(frozen=True)
class TierStanding:
    tiers: list[TierTerms]
    current: TierTerms | None
    spend: Decimal


def client_tier_standing(
    *,
    client_id: int,
    now: datetime | None = None,
    window_days: int | None = None,
    rows: list[tuple] | None = None,
) -> TierStanding | None:
    """The tiers, the one the client holds and their qualifying spend, in one prepared
    statement (loyalty/sql/standing.py: the ORM's queryset for the same cost more to compile than
    to run, P1), or from its `rows` read with the rewards box; None when the salon has no
    tiers. The rewards box and the close's upgrade check both read it: one place for the
    rule (R61)."""
    if rows is None:
        rows = tier_standing_rows(client_id=client_id, since=_window_start(now, window_days))
    if not rows:
        return None
    tiers, current = [], None
    for tier_id, name, min_spend, keep_spend, multiplier, held, _ in rows:
        terms = TierTerms(
            id=tier_id,
            name=name,
            min_spend=_from_cents(min_spend),
            keep_spend=_from_cents(keep_spend),
            multiplier=_from_cents(multiplier),
        )
        tiers.append(terms)
        if held:
            current = terms
    return TierStanding(tiers=tiers, current=current, spend=_from_cents(rows[0][-1]))


def client_tier_box(
    *,
    client_id: int,
    now: datetime | None = None,
    window_days: int | None = None,
    rows: list[tuple] | None = None,
) -> dict:
    """The rewards box's tier part (R61, §18): `tier`, `qualifying_spend` and `next_tier`,
    each None when the salon has no tiers."""
    standing = client_tier_standing(
        client_id=client_id, now=now, window_days=window_days, rows=rows
    )
    if standing is None:
        return {"tier": None, "qualifying_spend": None, "next_tier": None}
    current, spend = standing.current, standing.spend
    upcoming: NextTier | None = next_tier(current=current, tiers=standing.tiers, spend=spend)
    return {
        "tier": (
            None
            if current is None
            else {"id": current.id, "name": current.name, "multiplier": current.multiplier}
        ),
        "qualifying_spend": spend,
        "next_tier": (
            None
            if upcoming is None
            else {"name": upcoming.name, "spend_needed": upcoming.spend_needed}
        ),
    }


def rewards_with_tier(
    summary: RewardsSummary, *, client_id: int, now: datetime | None = None
) -> RewardsSummary:
    """The rewards box with its tier part (§18); without tiers, as it is (all None). Read
    with `with_tier_standing`, the box holds the standing already (one round trip, P1)."""
    if not summary.tiers_exist:
        return summary
    box = client_tier_box(
        client_id=client_id,
        now=now,
        window_days=summary.tier_window_days,
        rows=summary.tier_standing_rows,
    )
    return dataclasses.replace(summary, **box)


# --- moving clients between tiers -----------------------------------------------------------


def _locked_status(client_id: int, now: datetime) -> ClientTier:
    """The client's tier row, created empty if missing, locked (two closes of one client
    upgrade once)."""
    ClientTier.objects.bulk_create(
        [ClientTier(client_id=client_id, tier=None, held_since=now)], ignore_conflicts=True
    )
    return (
        ClientTier.objects.select_for_update(of=("self",))
        .select_related("tier")
        .get(client_id=client_id)
    )


def _move(
    *,
    status: ClientTier,
    tier: Tier | None,
    kind: str,
    spend: Decimal,
    now: datetime,
    manual: bool = False,
    ticket_id: int | None = None,
    reason: str = "",
    user=None,
) -> TierChange:
    change = TierChange.objects.create(
        client_id=status.client_id,
        kind=kind,
        from_tier=status.tier.name if status.tier else "",
        to_tier=tier.name if tier else "",
        qualifying_spend=spend,
        ticket_id=ticket_id,
        reason=reason,
        created_at=now,
        created_by=acting_user(user),
    )
    status.tier = tier
    status.held_since = now
    status.manual = manual
    status.save()
    return change


def tier_upgrade_at_close(*, client_id: int, ticket_id: int, now: datetime) -> TierChange | None:
    """Move the client up at once when this close makes their qualifying spend reach a
    higher tier (R61). Called by the ticket's reconcile once, when its snapshot is taken,
    so the crossing ticket earned at the tier held before."""
    standing = client_tier_standing(client_id=client_id, now=now)
    if standing is None:
        return None
    tiers, spend = standing.tiers, standing.spend
    if tier_after_close(current=standing.current, tiers=tiers, spend=spend) is None:
        return None
    status = _locked_status(client_id, now)
    reached = tier_after_close(current=tier_terms(status.tier), tiers=tiers, spend=spend)
    if reached is None:
        return None  # a concurrent close moved them first
    return _move(
        status=status,
        tier=Tier.objects.get(pk=reached.id),
        kind=TierChangeKind.UPGRADE,
        spend=spend,
        now=now,
        ticket_id=ticket_id,
    )


def client_tier_merge(*, survivor_id: int, duplicate_id: int, user, now: datetime) -> None:
    """After a merge moved the duplicate's tickets (R17), the survivor holds the higher of
    the two tiers, with that tier's validity clock, or moves up at once if the merged
    qualifying spend reaches a higher tier still (R61); the tombstone holds none. Each
    change is audited. Runs inside the merge's transaction, after its balance locks, in
    the order a close takes them (balances, then tier rows)."""
    tiers = tiers_terms()
    if not tiers:
        return
    first, second = sorted([survivor_id, duplicate_id])
    statuses = {first: _locked_status(first, now), second: _locked_status(second, now)}
    kept, gone = statuses[survivor_id], statuses[duplicate_id]
    spend = client_qualifying_spend(client_id=survivor_id, now=now)
    outcome = tier_after_merge(
        survivor=tier_terms(kept.tier), duplicate=tier_terms(gone.tier), tiers=tiers, spend=spend
    )
    taken = gone.tier if outcome is not None and gone.tier_id == outcome.id else None
    held_since, manual = gone.held_since, gone.manual
    if gone.tier is not None:
        _move(
            status=gone,
            tier=None,
            kind=TierChangeKind.MANUAL,
            spend=client_qualifying_spend(client_id=duplicate_id, now=now),
            now=now,
            reason=merged_into_note(survivor_id),
            user=user,
        )
    if outcome is None or kept.tier_id == outcome.id:
        return
    if taken is not None:
        _move(
            status=kept,
            tier=taken,
            kind=TierChangeKind.MANUAL,
            spend=spend,
            now=now,
            manual=manual,
            reason=merged_from_note(duplicate_id),
            user=user,
        )
        kept.held_since = held_since  # the tier's validity runs from when it was reached
        kept.save(update_fields=["held_since"])
        return
    _move(
        status=kept,
        tier=Tier.objects.get(pk=outcome.id),
        kind=TierChangeKind.UPGRADE,
        spend=spend,
        now=now,
        user=user,
    )


@transaction.atomic
def client_tier_place(
    *, client: Client, tier: Tier | None, reason: str, user, now: datetime | None = None
) -> ClientTier:
    """A Manager places a client in a tier (or none) by hand, with a reason; it holds for
    `tier_validity_days` from now (R61), audited as a TierChange."""
    if user is None or not user.has_perm("loyalty.place_client_tier"):
        raise PermissionRefused("Only a Manager may place a client in a tier.")
    reason = (reason or "").strip()
    if not reason:
        raise TierReasonRequired(field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise TierReasonRequired(
            f"Keep the reason to {REASON_MAX_LENGTH} characters.", field="reason"
        )
    if client.is_tombstone:
        raise ClientMerged()
    now = now or timezone.now()
    status = _locked_status(client.pk, now)
    _move(
        status=status,
        tier=tier,
        kind=TierChangeKind.MANUAL,
        spend=client_qualifying_spend(client_id=client.pk, now=now),
        now=now,
        manual=True,
        reason=reason,
        user=user,
    )
    return status


def tiers_review(*, now: datetime | None = None) -> list[TierChange]:
    """The monthly downgrade run (R61): on the 1st (local date), each client holding a tier
    for more than `tier_validity_days` moves to the highest tier, up to theirs, whose spend
    to stay their qualifying spend meets, or to none. Safe to run any number of times: a
    client moved today holds the new tier from today."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if today.day != 1:
        return []
    tiers = tiers_terms()
    validity_days = loyalty_settings_get().tier_validity_days
    changes = []
    for client_id in (
        ClientTier.objects.filter(tier__isnull=False)
        .order_by("client_id")
        .values_list("client_id", flat=True)
    ):
        with transaction.atomic():
            status = _locked_status(client_id, now)
            if status.tier is None or not review_due(
                today=today,
                held_since=timezone.localdate(status.held_since),
                validity_days=validity_days,
            ):
                continue
            spend = client_qualifying_spend(client_id=client_id, now=now)
            kept = tier_after_review(current=tier_terms(status.tier), tiers=tiers, spend=spend)
            if kept is not None and kept.id == status.tier_id:
                continue
            changes.append(
                _move(
                    status=status,
                    tier=None if kept is None else Tier.objects.get(pk=kept.id),
                    kind=TierChangeKind.DOWNGRADE,
                    spend=spend,
                    now=now,
                )
            )
    return changes
