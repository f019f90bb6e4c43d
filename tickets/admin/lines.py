"""A ticket's lines on its admin page (R29, R30, R32, R41): added, changed and removed
through the tickets services."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.html import format_html

from salon.errors import DomainError
from salon.forms import form_refusal_add
from tickets.admin.access import AddedWhileOpen, StaffChoicesOnce, editable, open_or_new
from tickets.lines import line_net_amount
from tickets.models import (
    TicketLine,
)

LINE_VALUES = ["quantity", "unit_price", "discount_amount", "discount_percent"]


class SoldItemWidget(forms.Widget):
    """A saved line's item, shown as text: it can't change (remove the line and add another),
    and an autocomplete box per line would cost a query per line."""

    def __init__(self, name: str):
        super().__init__()
        self.item_name = name

    def render(self, name, value, attrs=None, renderer=None):
        return format_html('<span class="sold-item">{}</span>', self.item_name)


class TicketLineForm(forms.ModelForm):
    class Meta:
        model = TicketLine
        fields = ["item", "staff", "package_redemption", *LINE_VALUES]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "unit_price" in self.fields:
            self.fields["unit_price"].required = False
            self.fields["unit_price"].help_text = "Empty: the item's price."
        if self.instance.pk and "item" in self.fields:
            self.fields["item"].disabled = True
            self.fields["item"].widget = SoldItemWidget(self.instance.item.name)

    def clean(self):
        """The line's figures checked by the service's own rule (R30, R32), so a refusal reads
        as the rule, not as the name of the database constraint behind it (R71)."""
        cleaned = super().clean()
        if self.errors or not self.has_changed() or cleaned.get("DELETE"):
            return cleaned
        item = cleaned.get("item") or (self.instance.item if self.instance.pk else None)
        unit_price = cleaned.get("unit_price")
        if unit_price is None:
            free = cleaned.get("package_redemption") or item is None
            unit_price = Decimal("0") if free else item.price
        try:
            line_net_amount(
                quantity=cleaned.get("quantity"),
                unit_price=unit_price,
                discount_amount=cleaned.get("discount_amount"),
                discount_percent=cleaned.get("discount_percent"),
            )
        except DomainError as error:
            form_refusal_add(self, error)
        return cleaned

    def validate_constraints(self):
        # The line's constraints are the rule checked in clean() and again by the service.
        pass


class TicketLineInline(AddedWhileOpen, StaffChoicesOnce, admin.TabularInline):
    model = TicketLine
    form = TicketLineForm
    autocomplete_fields = ["item"]
    readonly_fields = ["net_amount", "line_tax"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item", "staff")

    def get_fields(self, request, obj=None):
        if not open_or_new(obj):
            return ["item", "staff", "package_redemption", *LINE_VALUES, "net_amount", "line_tax"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # A closed ticket's lines keep their item; only figures change (R16).
        if not open_or_new(obj):
            return ["item", "staff", "package_redemption", "net_amount", "line_tax"]
        return self.readonly_fields

    @admin.display(description="Tax")
    def line_tax(self, line):
        """The line's tax and its rate as copied when it was added (R43)."""
        if line.pk is None or line.tax_percent is None:
            return "-"
        included = " included" if line.tax_included else ""
        return f"{line.tax} ({line.tax_percent.normalize():f} %{included})"

    def has_change_permission(self, request, obj=None):
        return editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return editable(request, obj) and super().has_delete_permission(request, obj)
