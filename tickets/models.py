from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from salon.limits import (
    MONEY_MAX,
    REASON_MAX_LENGTH,
    money_validators,
    quantity_validators,
    reason_validators,
)


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    VOIDED = "voided", "Voided"


class Ticket(models.Model):
    """A sales ticket (R30). Its total is the sum of its lines' net amounts."""

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        help_text="Empty for a walk-in.",
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    reservation = models.ForeignKey(
        "appointments.ProductReservation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    status = models.CharField(
        max_length=10, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Who closed and who voided it (#12). SET_NULL like created_by: a departed staff
    # member's login may be deleted without rewriting the tickets they closed.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    void_reason = models.TextField(
        blank=True, max_length=REASON_MAX_LENGTH, validators=reason_validators
    )
    # For the apps' sync (R75, `?updated_since=`): moves with every change of the ticket,
    # its lines and its payments.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "status", "closed_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(status="voided") | Q(closed_at__isnull=False),
                name="closed_ticket_has_closed_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="voided") | Q(voided_at__isnull=False),
                name="voided_ticket_has_voided_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(closed_at__isnull=True, voided_at__isnull=True),
                name="open_ticket_not_closed_or_voided",
            ),
        ]
        permissions = [
            ("adjust_closed_ticket", "Can adjust, settle or void a closed ticket"),
        ]

    def __str__(self):
        return f"Ticket #{self.pk}"

    def save(self, *args, update_fields=None, **kwargs):
        # auto_now is only written when named: a service saving a few fields (status,
        # voided_at) still moves updated_at, or a syncing app would miss the change (R75).
        if update_fields is not None:
            update_fields = {*update_fields, "updated_at"}
        super().save(*args, update_fields=update_fields, **kwargs)


class TicketLine(models.Model):
    """One item sold (R30). net_amount is kept by the tickets services, rounded half-up."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("catalog.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1, validators=quantity_validators)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, validators=money_validators)
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    package_redemption = models.BooleanField(
        default=False, help_text="A service performed against a package or membership (price 0)."
    )
    staff = models.ForeignKey(
        "staff.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="staff member",
        help_text="Who performed the service or sold the product (R41).",
    )
    net_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    # Copied when the line is added (R43): later changes to the item's rate, the rate's
    # percent or the salon's pricing touch no existing line.
    tax_percent = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True, help_text="Empty: not taxed."
    )
    tax_included = models.BooleanField(
        default=False, help_text="The price already contained the tax when the line was added."
    )
    tax = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax__gte=0) & (Q(tax_percent__isnull=False) | Q(tax=0)),
                name="line_tax_not_negative_and_needs_a_rate",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
            models.CheckConstraint(condition=Q(net_amount__gte=0), name="line_net_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_amount__isnull=True) | Q(discount_percent__isnull=True),
                name="line_one_discount_at_most",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | Q(discount_percent__gte=0, discount_percent__lte=100),
                name="line_discount_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(discount_amount__isnull=True) | Q(discount_amount__gte=0),
                name="line_discount_amount_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.item}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    CHECK = "check", "Check"
    GIFT_CARD = "gift_card", "Gift card"
    POINTS = "points", "Points"


# What the desk takes by hand (the admin, the checkout screen, the API, a settlement):
# every method but points, which only loyalty's redemption adds (R21, R22).
DESK_METHODS = tuple(method for method in PaymentMethod if method != PaymentMethod.POINTS)
DESK_METHOD_CHOICES = [(method.value, method.label) for method in DESK_METHODS]


class Payment(models.Model):
    """A payment on a ticket (R30). A `points` payment is only ever added by redemption."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    # A refund is negative: within the payments limit either way (R76).
    amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(-MONEY_MAX), MaxValueValidator(MONEY_MAX)],
    )
    points = models.PositiveIntegerField(null=True, blank=True, help_text="For points payments.")
    tendered = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Cash handed over; the change is tendered − amount (R47).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method="points", points__gte=1)
                | (~Q(method="points") & Q(points__isnull=True)),
                name="payment_points_only_for_points_method",
            ),
            # A refund settling a closed ticket is negative (R16); nothing is ever 0, and a
            # points payment is worth more than nothing (R21).
            models.CheckConstraint(condition=~Q(amount=0), name="payment_amount_not_zero"),
            models.CheckConstraint(
                condition=~Q(method="points") | Q(amount__gt=0),
                name="payment_points_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(tendered__isnull=True)
                | Q(method="cash", tendered__gte=models.F("amount")),
                name="payment_tendered_cash_at_least_amount",
            ),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount}"

    @property
    def change(self) -> Decimal | None:
        """The change handed back from cash (R47)."""
        return None if self.tendered is None else self.tendered - self.amount


class Tip(models.Model):
    """A tip on a ticket (R45): never taxed, never earning, never paid with points."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="tips")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    staff = models.ForeignKey(
        "staff.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="staff member",
        help_text="Who the tip is for (R45).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="tip_amount_positive"),
        ]

    def __str__(self):
        return f"Tip {self.amount}"


class TicketAdjustment(models.Model):
    """The record of a change to a closed ticket (R16): who, when, why, old and new values."""

    class Kind(models.TextChoices):
        LINE_CHANGED = "line_changed", "Line changed"
        LINE_REMOVED = "line_removed", "Line removed"
        VOIDED = "voided", "Voided (refund)"
        SETTLEMENT = "settlement", "Settlement payment or refund"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    line_id = models.BigIntegerField(null=True, blank=True)
    old_values = models.JSONField(default=dict, blank=True)
    new_values = models.JSONField(default=dict, blank=True)
    reason = models.TextField(max_length=REASON_MAX_LENGTH, validators=reason_validators)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.ticket}"


class DailySpend(models.Model):
    """A client's qualifying spend (R61) of one day: the pre-tax net (R46) of every line but
    gift cards of their closed tickets closed that day, post-close adjustments included.

    The day is the UTC date of `closed_at`, a storage bucket only (never shown), so a
    change of the salon's time zone can't move a ticket between rows. tickets' services
    keep each row in the transaction that changes what it sums (close, adjustment, void,
    merge, an item's kind), so the tier read (loyalty/tiers.py) adds up at most a window's
    rows instead of every line of the client's history (P1, issue 18)."""

    # The unique (client, day) index serves every read by client: no index of its own.
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    day = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "day"], name="daily_spend_client_day"),
        ]

    def __str__(self):
        return f"Client #{self.client_id} on {self.day}: {self.amount}"
