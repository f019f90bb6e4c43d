from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import ItemKind
from loyalty.actions import (
    ACTIONS,
    REFERRER_ELIGIBLE_ACTIONS,
    SPEND_ACTIONS,
    Action,
    Beneficiary,
)
from loyalty.errors import PromotionEndsBeforeStart, PromotionMultiplierOrBonus
from salon.limits import REASON_MAX_LENGTH


class EarningRule(models.Model):
    """One row of the rewards configuration table (SPEC §3): one per action, all 16 exist.

    NA cells are NULL and the database refuses anything else: `spend_unit` only for spend
    actions, `referrer_points` only for referrer-eligible ones (R4-R6).
    """

    action = models.CharField(max_length=40, choices=Action.choices, unique=True)
    active = models.BooleanField(default=False)
    points = models.PositiveIntegerField("points earned", default=0)
    spend_unit = models.DecimalField(
        "for amount spent",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Dollars per `points` (spend actions only).",
    )
    referrer_points = models.PositiveIntegerField(
        "points to referrer", null=True, blank=True, help_text="Referrer-eligible actions only."
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Who changed the rewards configuration, and when.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="earning_rule_points_gte_0"),
            models.CheckConstraint(
                condition=(
                    Q(action__in=SPEND_ACTIONS, spend_unit__isnull=False, spend_unit__gt=0)
                    | (~Q(action__in=SPEND_ACTIONS) & Q(spend_unit__isnull=True))
                ),
                name="earning_rule_spend_unit_only_for_spend_actions",
                violation_error_message="For amount spent must be more than 0 for a spend "
                "action and NA (empty) for a per-visit action.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        action__in=REFERRER_ELIGIBLE_ACTIONS,
                        referrer_points__isnull=False,
                        referrer_points__gte=0,
                    )
                    | (~Q(action__in=REFERRER_ELIGIBLE_ACTIONS) & Q(referrer_points__isnull=True))
                ),
                name="earning_rule_referrer_points_only_where_eligible",
                violation_error_message="Points to referrer must be 0 or more where a "
                "referrer can earn and NA (empty) elsewhere.",
            ),
        ]

    def __str__(self):
        return self.get_action_display()


def default_rule_values(action: str) -> dict:
    """Inactive, 0 points, NA cells NULL (SPEC §3: all actions start inactive with 0 points)."""
    info = ACTIONS[action]
    return {
        "active": False,
        "points": 0,
        "spend_unit": Decimal("1.00") if action in SPEND_ACTIONS else None,
        "referrer_points": 0 if info.referrer_eligible else None,
    }


class EarnOn(models.TextChoices):
    """What spend actions earn on (R46)."""

    PRE_TAX = "pre_tax", "Amount before tax"
    POST_TAX = "post_tax", "Amount with tax"


def every_item_kind() -> list[str]:
    """Points pay for every kind of item unless the Manager narrows it (R57)."""
    return list(ItemKind.values)


class LoyaltySettings(models.Model):
    """Redemption settings (R19) and the hold (R15); a single row, pk=1."""

    min_redemption_dollars = models.PositiveIntegerField(
        "minimum redemption (dollars)",
        default=5,
        help_text="A client may redeem once their redeemable points are worth this much. "
        "0 pauses redemption for everyone.",
    )
    hold_hours = models.PositiveIntegerField(
        default=24, help_text="Hours before earned points become redeemable."
    )
    earn_on = models.CharField(
        "earn on",
        max_length=10,
        choices=EarnOn.choices,
        default=EarnOn.PRE_TAX,
        help_text="Spend actions earn on each line's amount before tax (usual) or with its "
        "tax. Tips never earn. A ticket keeps the basis it closed under.",
    )
    tier_window_days = models.PositiveIntegerField(
        "tier window (days)",
        default=365,
        help_text="Qualifying spend for tiers counts tickets closed in this many days (R61).",
    )
    tier_validity_days = models.PositiveIntegerField(
        "tier validity (days)",
        default=365,
        help_text="A tier reached (or placed by hand) is kept at least this many days (R61).",
    )
    birthday_points = models.PositiveIntegerField(
        default=0, help_text="Points given on a client's birthday; 0 = off (R63)."
    )
    # Points over time (SPEC §14, R51-R57).
    expiry_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Days after the day they are posted that points expire; empty: never. "
        "A change applies only to points posted afterwards.",
    )
    expiry_reminder_days = models.JSONField(
        default=list,
        blank=True,
        help_text="Up to 5 numbers of days before points expire on which to remind the "
        "client, e.g. [30, 7]; empty: no reminders.",
    )
    monthly_statements = models.BooleanField(
        default=False, help_text="Send every reachable client a points statement on the 1st."
    )
    max_redemption_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Points may pay at most this percent of a ticket (before tips); empty: no limit.",
    )
    max_redemption_points = models.PositiveIntegerField(
        null=True, blank=True, help_text="At most this many points per ticket; empty: no limit."
    )
    redemption_increment = models.PositiveIntegerField(
        default=1, help_text="Points are redeemed in multiples of this number."
    )
    redeemable_kinds = models.JSONField(
        default=every_item_kind,
        help_text="Item kinds whose lines points may pay for.",
    )
    redemption_otp = models.BooleanField(
        "redemption needs a texted code",
        default=False,
        help_text="A redemption needs a 6-digit code texted to the client.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "loyalty settings"
        verbose_name_plural = "loyalty settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="loyalty_settings_single_row"),
            models.CheckConstraint(
                condition=Q(expiry_days__isnull=True) | Q(expiry_days__gte=1),
                name="loyalty_settings_expiry_days_gte_1",
                violation_error_message="Points must live at least 1 day, or never expire.",
            ),
            models.CheckConstraint(
                condition=Q(max_redemption_percent__isnull=True)
                | Q(max_redemption_percent__gte=1, max_redemption_percent__lte=100),
                name="loyalty_settings_max_percent_1_100",
                violation_error_message="The maximum percent is between 1 and 100, or empty.",
            ),
            models.CheckConstraint(
                condition=Q(max_redemption_points__isnull=True) | Q(max_redemption_points__gte=1),
                name="loyalty_settings_max_points_gte_1",
                violation_error_message="The maximum points per ticket is at least 1, or empty.",
            ),
            models.CheckConstraint(
                condition=Q(redemption_increment__gte=1),
                name="loyalty_settings_increment_gte_1",
                violation_error_message="Points are redeemed in multiples of at least 1.",
            ),
        ]

    def __str__(self):
        return "Loyalty settings"


class EntryKind(models.TextChoices):
    EARN = "earn", "Earned"
    REFERRAL_EARN = "referral_earn", "Earned as referrer"
    REDEEM = "redeem", "Redeemed"
    REDEEM_REVERSAL = "redeem_reversal", "Redemption given back"
    ADJUSTMENT = "adjustment", "Ticket adjustment"
    MERGE_IN = "merge_in", "Moved in by merge"
    MERGE_OUT = "merge_out", "Moved out by merge"
    MANUAL = "manual", "Manual adjustment"
    BIRTHDAY = "birthday", "Birthday"
    EXPIRE = "expire", "Expired"
    OPENING_BALANCE = "opening_balance", "Opening balance (moved in)"


# Entries that give points back to the lots they were drawn from instead of starting a lot
# of their own (R53): a redemption's reversal, and the expiry taken back by a take-back that
# counts already-expired points as forfeited (R52).
RETURN_KINDS = (EntryKind.REDEEM_REVERSAL, EntryKind.EXPIRE)


class LedgerIsAppendOnly(Exception):
    """A points entry was about to be changed or deleted (R14)."""


class PointsEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerIsAppendOnly("Points entries are never updated (R14).")

    def delete(self):
        raise LedgerIsAppendOnly("Points entries are never deleted (R14).")


class PointsEntry(models.Model):
    """One line of the append-only points ledger (R14). Corrections are new entries.

    Earning entries name the ticket, action and beneficiary they are for, so that a
    take-back finds the still-pending points of the same (ticket, action, beneficiary)
    first (R15); merge entries for pending points carry those too.
    """

    # No index of its own: points_client_available (client, available_at) serves every read
    # by client, and a plain client index made the prepared rewards read's generic plan sum
    # a whale's whole history through it (loyalty/sql/rewards.py, P1).
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="points_entries", db_index=False
    )
    points = models.IntegerField()
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    action = models.CharField(max_length=40, choices=Action.choices, blank=True)
    beneficiary = models.CharField(max_length=10, choices=Beneficiary.choices, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
    )
    feedback = models.ForeignKey(
        "feedback.Feedback",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
    )
    # The promotion the points were earned under (R62), for the entry and the Client Log.
    promotion = models.ForeignKey(
        "loyalty.Promotion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
    )
    # A removed payment row is deleted by tickets, so it is kept by id, not by foreign key.
    payment_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    memo = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # A lot's last day (R51): set when an entry that adds points is posted; null = never.
    expires_on = models.DateField(null=True, blank=True)

    objects = PointsEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "points entries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "available_at"], name="points_client_available"),
            models.Index(fields=["ticket", "action", "beneficiary"], name="points_ticket_action"),
            models.Index(fields=["payment_id"], name="points_payment"),
            # The report's open months and its "on hold at the end" (R81, P7): read from the
            # index alone (PostgreSQL's INCLUDE), wherever the rows lie in the table.
            models.Index(
                fields=["created_at"],
                include=["kind", "action", "points"],
                name="points_created",
            ),
            models.Index(
                fields=["available_at"], include=["created_at", "points"], name="points_available"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="points_entry_not_zero"),
            # Facts of one row, held by the database whatever writes it (R14, R15, R22).
            models.CheckConstraint(
                condition=~Q(
                    kind__in=[
                        "earn",
                        "referral_earn",
                        "redeem_reversal",
                        "birthday",
                        "opening_balance",
                    ]
                )
                | Q(points__gt=0),
                name="points_entry_earning_and_give_back_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind="redeem") | Q(points__lt=0),
                name="points_entry_redeem_negative",
            ),
            models.CheckConstraint(
                condition=Q(available_at__gte=F("created_at")),
                name="points_entry_available_not_before_created",
            ),
        ]
        permissions = [
            ("redeem_points", "Can redeem a client's points as a ticket payment"),
            ("adjust_points", "Can adjust a client's points manually"),
            ("export_pointsentry", "Can export the ledger as CSV"),
        ]

    def __str__(self):
        return f"{self.points:+d} {self.get_kind_display()} for {self.client_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerIsAppendOnly("Points entries are never updated (R14).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly("Points entries are never deleted (R14).")


class PointsBalance(models.Model):
    """A client's running total, updated in the same transaction as each entry (R18)."""

    client = models.OneToOneField(
        "clients.Client", on_delete=models.PROTECT, primary_key=True, related_name="points_balance"
    )
    total = models.IntegerField(default=0)
    # What the client's lots hold, kept by the ledger under this row's lock with every lot it
    # writes (R51-R54), so that the balance read takes them from this row instead of planning
    # five lot subqueries on every read (P2, docs/performance.md): the earliest date of the
    # lots still holding points (past or not), what the lots of that date hold, and the debt
    # (points no lot covered yet, R15). `ledger_check` compares them with the lots.
    next_expiry_on = models.DateField(null=True, blank=True)
    next_expiry_points = models.IntegerField(default=0, db_default=0)
    debt = models.IntegerField(default=0, db_default=0)

    def __str__(self):
        return f"{self.total} points for {self.client_id}"


class LedgerMonth(models.Model):
    """The ledger's points of one local month, by kind and action, for months that are over
    (R81's report; `loyalty/ledger_months.py`). Entries are append-only and posted at the
    time they are written, so a month that is over never changes: it is summed once."""

    month = models.DateField()  # its first day
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    action = models.CharField(max_length=40, choices=Action.choices, blank=True)
    points = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "kind", "action"], name="ledger_month_unique")
        ]

    def __str__(self):
        return f"{self.points} points of {self.kind} {self.action} in {self.month:%Y-%m}"


class PointsLot(models.Model):
    """What one entry that added points still holds (R51-R54): a running figure updated in
    the same transaction as each allocation, as PointsBalance is for entries.

    `points` is what the lot started with; `remaining` what is left after what was drawn
    (allocations) and what expired. A debit that found no lot to draw from leaves a debt: a
    row for the debit with negative `points` and `remaining`, paid off by the next lots
    (R15, R52). So a client's remainders always sum to their balance total.
    """

    entry = models.OneToOneField(
        PointsEntry, on_delete=models.PROTECT, primary_key=True, related_name="lot"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField()
    remaining = models.IntegerField()
    expires_on = models.DateField(null=True, blank=True)
    available_at = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Live lots by date: the balance read's "past its date" and "next expiry" (R54),
            # the expiry run, and first-expiring-first draws (R52).
            models.Index(
                fields=["client", "expires_on"],
                name="points_lot_live",
                condition=Q(remaining__gt=0),
            ),
            # Carries the remainder so that the report's "expiring in 90 days" is read from
            # the index alone (R81, P7).
            models.Index(
                fields=["expires_on"],
                include=["remaining"],
                name="points_lot_due",
                condition=Q(remaining__gt=0),
            ),
            models.Index(fields=["client"], name="points_lot_debt", condition=Q(remaining__lt=0)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gt=0, remaining__gte=0, remaining__lte=F("points"))
                | Q(points__lt=0, remaining__lte=0, remaining__gte=F("points")),
                name="points_lot_remaining_within_points",
            ),
        ]

    def __str__(self):
        return f"{self.remaining} of {self.points} points left (entry {self.entry_id})"


class AllocationQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerIsAppendOnly("Allocations are never updated (R52).")

    def delete(self):
        raise LedgerIsAppendOnly("Allocations are never deleted (R52).")


class Allocation(models.Model):
    """Which lot a debit drew from, append-only (R52): positive points drawn, negative
    points given back to the lot (a redemption's reversal, R53). An `expire` entry draws
    from the lot it expires (R54)."""

    debit = models.ForeignKey(PointsEntry, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(PointsLot, on_delete=models.PROTECT, related_name="allocations")
    points = models.IntegerField()
    created_at = models.DateTimeField()

    objects = AllocationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="allocation_not_zero"),
        ]

    def __str__(self):
        return f"{self.points} points of lot {self.lot_id} for entry {self.debit_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerIsAppendOnly("Allocations are never updated (R52).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly("Allocations are never deleted (R52).")


class TicketEarningSnapshot(models.Model):
    """What governs a ticket's points for ever, taken when it closes (R11, R16).

    Holds the rules' values then, the client and referrer then, and the per-visit and
    first-time awards decided at close (SPEC §3 "First-time rules").
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="earning_snapshot"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    referrer = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rewards_on = models.BooleanField(help_text="The rewards feature was on at close (R34).")
    rules = models.JSONField(help_text="Every rule's values at close, by action.")
    per_visit_awards = models.JSONField(
        default=list,
        blank=True,
        help_text="Per-visit actions this ticket qualified for at close.",
    )
    earn_on = models.CharField(
        max_length=10,
        choices=EarnOn.choices,
        default=EarnOn.PRE_TAX,
        help_text="The earning basis at close (R46); the lines keep their own tax rates.",
    )
    tier = models.JSONField(
        null=True,
        blank=True,
        help_text="The client's tier at close, {id, name, multiplier}, or null (R61).",
    )
    promotions = models.JSONField(
        default=dict,
        blank=True,
        help_text="The promotion chosen per action at close: {action: {id, multiplier, "
        "bonus_points}} (R62).",
    )
    created_at = models.DateTimeField()

    def __str__(self):
        return f"Earning snapshot of ticket #{self.ticket_id}"


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", "Expiry reminder"
    STATEMENT = "statement", "Monthly statement"


class NoticeChannel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "E-mail"


class PointsNotice(models.Model):
    """A reminder (R55) or statement (R56) sent to a client: the key makes it once per
    (client, date, offset) or (client, month), whatever the channel or the runs."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    channel = models.CharField(max_length=10, choices=NoticeChannel.choices)
    key = models.CharField(max_length=100, unique=True)
    body = models.TextField()
    created_at = models.DateTimeField()

    def __str__(self):
        return f"{self.get_kind_display()} to {self.client_id} ({self.get_channel_display()})"


class RedemptionCode(models.Model):
    """A 6-digit code texted to a ticket's client when redemption needs one (R57): hashed,
    for 10 minutes, 5 tries, used once."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Redemption code for ticket #{self.ticket_id}"


class Tier(models.Model):
    """A loyalty tier (R61): reached at `min_spend` of qualifying spend, kept at `keep_spend`;
    its multiplier raises the client's own spend-action points."""

    name = models.CharField(max_length=60, unique=True)
    min_spend = models.DecimalField("spend to reach", max_digits=12, decimal_places=2)
    keep_spend = models.DecimalField("spend to stay", max_digits=12, decimal_places=2)
    multiplier = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("1.00"))
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["min_spend", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_spend__gt=0)
                & Q(keep_spend__gte=0)
                & Q(keep_spend__lte=F("min_spend"))
                & Q(multiplier__gte=1),
                name="tier_amounts_valid",
                violation_error_message="Spend to reach must be more than 0, spend to stay "
                "between 0 and it, and the multiplier at least 1.",
            ),
            models.UniqueConstraint(fields=["min_spend"], name="tier_min_spend_unique"),
        ]

    def __str__(self):
        return self.name


class TierChangeKind(models.TextChoices):
    UPGRADE = "upgrade", "Reached at a ticket's close"
    DOWNGRADE = "downgrade", "Monthly review"
    MANUAL = "manual", "Placed by a Manager"


class ClientTier(models.Model):
    """The tier a client holds now and since when (R61); every change also writes a
    TierChange row, in the same transaction."""

    client = models.OneToOneField(
        "clients.Client", on_delete=models.PROTECT, primary_key=True, related_name="tier_status"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True)
    # The clock of the validity period: when the tier was reached or placed by hand.
    held_since = models.DateTimeField()
    manual = models.BooleanField(default=False)

    class Meta:
        verbose_name = "client tier"
        permissions = [("place_client_tier", "Can place a client in a tier by hand")]

    def __str__(self):
        return f"{self.tier or 'No tier'} for {self.client_id}"


class TierChange(models.Model):
    """The audit trail of tier placements (R61): append-only, kept if the tier goes."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="tier_changes"
    )
    kind = models.CharField(max_length=10, choices=TierChangeKind.choices)
    from_tier = models.CharField(max_length=60, blank=True)
    to_tier = models.CharField(max_length=60, blank=True)
    qualifying_spend = models.DecimalField(max_digits=12, decimal_places=2)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "created_at"], name="tier_change_client")]

    def __str__(self):
        return f"{self.from_tier or 'No tier'} → {self.to_tier or 'No tier'}"


class Promotion(models.Model):
    """A points promotion (R62): between two local dates (inclusive), for some actions and
    optionally some item kinds and tiers; a multiplier or a bonus per (ticket, action)."""

    name = models.CharField(max_length=100)
    starts_on = models.DateField()
    ends_on = models.DateField()
    actions = models.JSONField(help_text="Earning actions the promotion covers.")
    item_kinds = models.JSONField(
        default=list, blank=True, help_text="Spend actions only on these kinds (empty: any)."
    )
    tiers = models.ManyToManyField(
        Tier, blank=True, related_name="promotions", help_text="Empty: every client."
    )
    multiplier = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    bonus_points = models.PositiveIntegerField(null=True, blank=True)
    max_per_client = models.PositiveIntegerField(
        null=True, blank=True, help_text="Times one client can benefit; empty: no limit."
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on", "created_at", "id"]
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="promotion_dates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="promotion_ends_after_start",
                violation_error_message=PromotionEndsBeforeStart.message,
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        multiplier__isnull=False,
                        multiplier__gte=Decimal("1.01"),
                        multiplier__lte=10,
                        bonus_points__isnull=True,
                    )
                    | Q(multiplier__isnull=True, bonus_points__isnull=False, bonus_points__gt=0)
                ),
                name="promotion_multiplier_xor_bonus",
                violation_error_message=PromotionMultiplierOrBonus.message,
            ),
            models.CheckConstraint(
                condition=Q(max_per_client__isnull=True) | Q(max_per_client__gt=0),
                name="promotion_max_per_client_positive",
                violation_error_message="Times per client must be at least 1, or empty.",
            ),
        ]

    def __str__(self):
        return self.name
