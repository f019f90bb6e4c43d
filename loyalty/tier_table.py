"""The Manager's tier table (R61): create, change and delete tiers, each value checked."""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from loyalty.errors import TierInUse, TierInvalid, TierNameTaken
from loyalty.models import ClientTier, Promotion, Tier
from salon.errors import FieldNotEditable, PermissionRefused

TIER_FIELDS = ("name", "min_spend", "keep_spend", "multiplier")
ZERO = Decimal("0.00")


def _amount(value, *, field: str, minimum: Decimal) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise TierInvalid("Give an amount in dollars and cents.", field=field) from None
    # the size first: quantizing a huge number overflows the context
    if not amount.is_finite() or abs(amount) >= Decimal("1e10"):
        raise TierInvalid("Give an amount under $10,000,000,000.", field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise TierInvalid("Give an amount in dollars and cents.", field=field)
    if amount < minimum:
        raise TierInvalid(f"Give an amount of at least {minimum}.", field=field)
    return amount


def tier_changes_clean(*, tier: Tier | None, changes: dict) -> dict:
    """The valid values of a new or changed tier, or a TierInvalid naming the field (R61):
    spend to reach > 0, spend to stay from 0 up to it (default: the same), multiplier >= 1
    with 2 decimals, names and spends to reach unique."""
    FieldNotEditable.refuse_others(changes, TIER_FIELDS)
    values = {field: getattr(tier, field) for field in TIER_FIELDS} if tier else {}
    if "name" in changes or tier is None:
        name = str(changes.get("name") or "").strip()
        if not name or len(name) > 60:
            raise TierInvalid("Give the tier a name of up to 60 characters.", field="name")
        values["name"] = name
    if "min_spend" in changes or tier is None:
        values["min_spend"] = _amount(
            changes.get("min_spend"), field="min_spend", minimum=Decimal("0.01")
        )
    if changes.get("keep_spend") is not None:
        values["keep_spend"] = _amount(changes["keep_spend"], field="keep_spend", minimum=ZERO)
    elif tier is None or ("keep_spend" in changes and changes["keep_spend"] is None):
        values["keep_spend"] = values["min_spend"]
    if values["keep_spend"] > values["min_spend"]:
        raise TierInvalid("Spend to stay can't be more than spend to reach.", field="keep_spend")
    if "multiplier" in changes or tier is None:
        multiplier = changes.get("multiplier", Decimal("1.00"))
        try:
            multiplier = Decimal(str(multiplier))
        except (InvalidOperation, ValueError, TypeError):
            raise TierInvalid("Give a multiplier such as 1.25.", field="multiplier") from None
        if (
            not multiplier.is_finite()
            or not Decimal("1") <= multiplier < Decimal("1000")
            or multiplier != multiplier.quantize(Decimal("0.01"))
        ):
            raise TierInvalid(
                "Give a multiplier of at least 1, with up to 2 decimals.", field="multiplier"
            )
        values["multiplier"] = multiplier
    others = Tier.objects.exclude(pk=tier.pk) if tier else Tier.objects.all()
    if others.filter(name__iexact=values["name"]).exists():
        raise TierNameTaken(field="name")
    if others.filter(min_spend=values["min_spend"]).exists():
        raise TierInvalid("Another tier is reached at this spend.", field="min_spend")
    return values


@transaction.atomic
def tier_save(*, tier: Tier | None = None, changes: dict, user) -> Tier:
    """Create a tier, or change one (R61); Manager only. A changed multiplier governs
    tickets closed afterwards; closed tickets keep the one snapshotted (R11)."""
    permission = "loyalty.change_tier" if tier else "loyalty.add_tier"
    if user is None or not user.has_perm(permission):
        raise PermissionRefused("Only a Manager may set up tiers.")
    if tier is not None:
        tier = Tier.objects.select_for_update().get(pk=tier.pk)
    values = tier_changes_clean(tier=tier, changes=changes)
    tier = tier or Tier()
    for field, value in values.items():
        setattr(tier, field, value)
    tier.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            tier.save()
    except IntegrityError:
        raise TierNameTaken(field="name") from None  # a concurrent save took name or spend
    return tier


@transaction.atomic
def tier_delete(*, tier: Tier, user) -> None:
    """Delete a tier nobody holds and no promotion is for; the audit keeps its name."""
    if user is None or not user.has_perm("loyalty.delete_tier"):
        raise PermissionRefused("Only a Manager may delete tiers.")
    if (
        ClientTier.objects.filter(tier_id=tier.pk).exists()
        or Promotion.tiers.through.objects.filter(tier_id=tier.pk).exists()
    ):
        raise TierInUse()
    tier.delete()
