"""The record of changes to closed tickets (R16), in the desk's words: the ticket page's
inline and the read-only list."""

from decimal import Decimal

from django.contrib import admin
from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from catalog.models import Item
from salon.admin_pages import ReadOnlyAdmin
from tickets.models import (
    PaymentMethod,
    TicketAdjustment,
)


def _money(value) -> str:
    return "—" if value is None else f"${Decimal(value):,.2f}"


def adjustment_summary(adjustment: TicketAdjustment) -> str:
    """One line the desk can read (issue #14): "Haircut: $100.00 → $80.00 — reason",
    never the record's JSON. `item_name` comes from with_item_names()."""
    old, new = adjustment.old_values, adjustment.new_values
    kind = TicketAdjustment.Kind
    if adjustment.kind == kind.LINE_CHANGED:
        change = f"{_money(old.get('net_amount'))} → {_money(new.get('net_amount'))}"
        if old.get("quantity") != new.get("quantity"):
            change += f" (quantity {old.get('quantity')} → {new.get('quantity')})"
        what = f"{getattr(adjustment, 'item_name', None) or 'A line'}: {change}"
    elif adjustment.kind == kind.LINE_REMOVED:
        item = getattr(adjustment, "item_name", None) or "A line"
        what = f"{item}: {_money(old.get('net_amount'))} removed"
    elif adjustment.kind == kind.SETTLEMENT:
        amount = Decimal(new.get("amount", "0"))
        method = PaymentMethod(new["method"]).label if new.get("method") else "Payment"
        verb = "refunded" if amount < 0 else "paid"
        what = f"{method} {_money(abs(amount))} {verb}"
    else:
        what = adjustment.get_kind_display()
    return f"{what} — {adjustment.reason}" if adjustment.reason else what


def with_item_names(queryset):
    """The adjustments with the name of the line's item, in the same query."""
    item_id = Cast(KeyTextTransform("item", OuterRef("old_values")), BigIntegerField())
    return queryset.annotate(item_name=Subquery(Item.objects.filter(pk=item_id).values("name")[:1]))


class AdjustmentsInWords(ReadOnlyAdmin):
    """Adjustments read-only, each as one line in the desk's words, on the ticket page and
    in the list alike."""

    def get_queryset(self, request):
        return with_item_names(super().get_queryset(request))

    @admin.display(description="Change")
    def change(self, adjustment: TicketAdjustment) -> str:
        return adjustment_summary(adjustment)


class TicketAdjustmentInline(AdjustmentsInWords, admin.TabularInline):
    model = TicketAdjustment
    extra = 0
    fields = ["created_at", "created_by", "change"]
    readonly_fields = fields


@admin.register(TicketAdjustment)
class TicketAdjustmentAdmin(AdjustmentsInWords, admin.ModelAdmin):
    """The record of changes to closed tickets (R16): read-only."""

    list_display = ["created_at", "ticket", "change", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "created_by"]
    fields = ["created_at", "created_by", "ticket", "kind", "change"]
    readonly_fields = fields
