from django.core.validators import MinValueValidator
from django.db import models

from salon.limits import money_validators


class ItemKind(models.TextChoices):
    SERVICE = "service", "Service"
    PRODUCT = "product", "Product (retail)"
    DAY_PACKAGE = "day_package", "Day package"
    SERIES_PACKAGE = "series_package", "Series / custom package"
    MEMBERSHIP = "membership", "Membership"
    GIFT_CARD = "gift_card", "Gift card"


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
