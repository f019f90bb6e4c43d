"""Promotions (R62): the Manager's promotions, what is running now and next, and the
promotions a ticket may earn under when it closes. Choosing among them is the pure
`best_promotion` of loyalty/promotion_rules.py."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_date

from catalog.models import ItemKind
from loyalty.actions import ACTIONS, FEEDBACK_ACTIONS, Beneficiary
from loyalty.errors import (
    NotAWholeNumber,
    NumberTooSmall,
    PromotionEndsBeforeStart,
    PromotionInUse,
    PromotionInvalid,
    PromotionMultiplierOrBonus,
)
from loyalty.models import EntryKind, PointsEntry, Promotion, Tier
from loyalty.numbers import whole_number
from loyalty.promotion_rules import PromotionTerms
from salon.errors import FieldNotEditable, PermissionRefused
from tickets.models import TicketStatus

# A promotion raises the ticket client's own points at close (R62): not the referrer's
# actions, and not feedback, which is earned after the close.
PROMOTION_ACTIONS = tuple(
    str(action)
    for action, info in ACTIONS.items()
    if info.earner == Beneficiary.CLIENT and action not in FEEDBACK_ACTIONS
)
PROMOTION_FIELDS = (
    "name",
    "starts_on",
    "ends_on",
    "actions",
    "item_kinds",
    "tiers",
    "multiplier",
    "bonus_points",
    "max_per_client",
)


# --- reads ----------------------------------------------------------------------------------


def promotions_for_close(*, client_id: int, on: date) -> list[PromotionTerms]:
    """The promotions running on the local date a ticket closes, with how many more times
    this client may benefit from each (`max_per_client`, R62): a benefit is a (ticket,
    action) that earned under it, on a ticket not voided since."""
    promotions = list(
        Promotion.objects.filter(starts_on__lte=on, ends_on__gte=on).prefetch_related("tiers")
    )
    if not promotions:
        return []
    limited = [p.pk for p in promotions if p.max_per_client is not None]
    used = {}
    if limited:
        used = dict(
            PointsEntry.objects.filter(
                promotion_id__in=limited,
                client_id=client_id,
                kind=EntryKind.EARN,
                beneficiary=Beneficiary.CLIENT,
            )
            .exclude(ticket__status=TicketStatus.VOIDED)
            .values_list("promotion_id")
            .annotate(uses=Count("id"))
        )
    return [
        PromotionTerms(
            id=p.pk,
            name=p.name,
            created_at=p.created_at,
            actions=frozenset(p.actions),
            item_kinds=frozenset(p.item_kinds),
            tier_ids=frozenset(tier.pk for tier in p.tiers.all()),
            multiplier=p.multiplier,
            bonus_points=p.bonus_points,
            uses_left=None if p.max_per_client is None else p.max_per_client - used.get(p.pk, 0),
        )
        for p in promotions
    ]


# --- the Manager's promotions ---------------------------------------------------------------


def _date(value, *, field: str) -> date:
    parsed = value if isinstance(value, date) else parse_date(str(value or ""))
    if parsed is None:
        raise PromotionInvalid("Give a date as YYYY-MM-DD.", field=field)
    return parsed


def _codes(value, *, field: str, allowed, label: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(code, str) for code in value):
        raise PromotionInvalid(f"Give a list of {label}.", field=field)
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise PromotionInvalid(f"Not one of the {label}: {unknown[0]}.", field=field)
    return sorted(set(value))


def promotion_changes_clean(*, promotion: Promotion | None, changes: dict) -> dict:
    """The valid values of a new or changed promotion, or an error naming the field (R62)."""
    FieldNotEditable.refuse_others(changes, PROMOTION_FIELDS)
    if promotion is not None:
        values = {
            field: getattr(promotion, field) for field in PROMOTION_FIELDS if field != "tiers"
        }
        values["tiers"] = list(promotion.tiers.all())
    else:
        values = {"item_kinds": [], "tiers": [], "multiplier": None, "bonus_points": None}
        values["max_per_client"] = None
    values.update({field: changes[field] for field in changes})
    name = str(values.get("name") or "").strip()
    if not name or len(name) > 100:
        raise PromotionInvalid("Give the promotion a name of up to 100 characters.", field="name")
    values["name"] = name
    values["starts_on"] = _date(values.get("starts_on"), field="starts_on")
    values["ends_on"] = _date(values.get("ends_on"), field="ends_on")
    if values["ends_on"] < values["starts_on"]:
        raise PromotionEndsBeforeStart(field="ends_on")
    values["actions"] = _codes(
        values.get("actions"), field="actions", allowed=PROMOTION_ACTIONS, label="actions"
    )
    if not values["actions"]:
        raise PromotionInvalid("Choose at least one action.", field="actions")
    values["item_kinds"] = _codes(
        values.get("item_kinds") or [],
        field="item_kinds",
        allowed=ItemKind.values,
        label="item kinds",
    )
    tiers = values.get("tiers") or []
    if not all(isinstance(tier, Tier) for tier in tiers):
        ids = [tier.pk if isinstance(tier, Tier) else tier for tier in tiers]
        found = {
            tier.pk: tier
            for tier in Tier.objects.filter(pk__in=[i for i in ids if isinstance(i, int)])
        }
        if len(found) != len(set(ids)):
            raise PromotionInvalid("Choose tiers that exist.", field="tiers")
        tiers = list(found.values())
    values["tiers"] = tiers
    multiplier, bonus = values.get("multiplier"), values.get("bonus_points")
    if (multiplier is None) == (bonus is None):
        raise PromotionMultiplierOrBonus(field="multiplier")
    if multiplier is not None:
        try:
            multiplier = Decimal(str(multiplier))
        except (InvalidOperation, ValueError, TypeError):
            raise PromotionMultiplierOrBonus(field="multiplier") from None
        if (
            not multiplier.is_finite()
            or not Decimal("1.01") <= multiplier <= Decimal("10")
            or multiplier != multiplier.quantize(Decimal("0.01"))
        ):
            raise PromotionMultiplierOrBonus(
                "Give a multiplier from 1.01 to 10, with up to 2 decimals.", field="multiplier"
            )
    values["multiplier"] = multiplier
    values["bonus_points"] = _positive(bonus, field="bonus_points")
    values["max_per_client"] = _positive(values.get("max_per_client"), field="max_per_client")
    return values


def _positive(value, *, field: str) -> int | None:
    """None, or a whole number from 1 read as every loyalty number is (R76, `whole_number`),
    below 2**31 (the column's range); refused as the promotion's own `promotion_invalid`."""
    if value is None:
        return None
    try:
        number = whole_number(value, field=field, minimum=1)
    except (NotAWholeNumber, NumberTooSmall):
        number = None
    if number is None or number >= 2**31:
        raise PromotionInvalid("Give a whole number of at least 1.", field=field)
    return number


@transaction.atomic
def promotion_save(*, promotion: Promotion | None = None, changes: dict, user) -> Promotion:
    """Create or change a promotion (R62); Manager only. Tickets closed under it keep the
    terms snapshotted at their close (R11)."""
    permission = "loyalty.change_promotion" if promotion else "loyalty.add_promotion"
    if user is None or not user.has_perm(permission):
        raise PermissionRefused("Only a Manager may set up promotions.")
    if promotion is not None:
        promotion = Promotion.objects.select_for_update().get(pk=promotion.pk)
    values = promotion_changes_clean(promotion=promotion, changes=changes)
    tiers = values.pop("tiers")
    promotion = promotion or Promotion()
    for field, value in values.items():
        setattr(promotion, field, value)
    promotion.full_clean(validate_constraints=False)
    promotion.save()
    promotion.tiers.set(tiers)
    return promotion


@transaction.atomic
def promotion_delete(*, promotion: Promotion, user) -> None:
    """Delete a promotion nothing was earned under; one with entries stays (end it)."""
    if user is None or not user.has_perm("loyalty.delete_promotion"):
        raise PermissionRefused("Only a Manager may delete promotions.")
    if PointsEntry.objects.filter(promotion_id=promotion.pk).exists():
        raise PromotionInUse()
    promotion.delete()


def promotion_state(promotion: Promotion, *, now: datetime | None = None) -> str:
    """Running now, next, or ended, by the salon's local date."""
    today = timezone.localdate(now or timezone.now())
    if promotion.ends_on < today:
        return "ended"
    return "running" if promotion.starts_on <= today else "next"
