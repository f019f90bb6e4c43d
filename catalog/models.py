from django.core.validators import MinValueValidator
from django.db import models

from salon.limits import money_validators

# A duration is whole minutes, at most a day: a service's, and a booking's, which is the
# service's unless given (R42); the appointment book looks back that far for overlaps.
MAX_DURATION_MINUTES = 24 * 60


class ItemKind(models.TextChoices):
    SERVICE = "service", "Service"
    PRODUCT = "product", "Product (retail)"
    DAY_PACKAGE = "day_package", "Day package"
    SERIES_PACKAGE = "series_package", "Series / custom package"
    MEMBERSHIP = "membership", "Membership"
    GIFT_CARD = "gift_card", "Gift card"


class TaxRate(models.Model):
    """A sales tax rate a Manager defines (R43); an item names at most one."""

    name = models.CharField(max_length=100)
    percent = models.DecimalField(
        max_digits=6, decimal_places=3, help_text="0 to 100, up to 3 decimals (8.875)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gte=0, percent__lte=100),
                name="tax_rate_percent_0_to_100",
            ),
        ]

    def __str__(self):
        if self.percent is None:
            return self.name
        return f"{self.name} ({self.percent.normalize():f} %)"


class Item(models.Model):
    """Something the salon sells (R29)."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=money_validators)
    active = models.BooleanField(default=True)
    duration_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text="How long the service takes; appointments last this long unless given.",
    )
    tax_rate = models.ForeignKey(
        TaxRate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        help_text="Empty: not taxed. A line copies the rate when it is added (R43).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="item_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1),
                name="item_duration_positive",
                violation_error_message="A service lasts at least 1 minute.",
            ),
        ]

    def __str__(self):
        return self.name
