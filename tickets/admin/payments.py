"""A ticket's payments and tips on its admin page (R45, R47): taken or removed through the
tickets services, never edited."""

from django import forms
from django.contrib import admin

from salon.errors import DomainError
from tickets.admin.access import AddedOrRemovedWhileOpen, StaffChoicesOnce
from tickets.models import (
    DESK_METHOD_CHOICES,
    Payment,
    PaymentMethod,
    Tip,
)
from tickets.payments import cash_tendered_check


class PaymentForm(forms.ModelForm):
    # The initial matches the first choice, so an untouched empty payment row is not
    # "changed" (it would otherwise ask for an amount on every save).
    method = forms.ChoiceField(
        choices=DESK_METHOD_CHOICES,
        initial=PaymentMethod.CASH,
        help_text="Points are redeemed with Redeem under Collect payment.",
    )

    class Meta:
        model = Payment
        fields = ["method", "amount", "tendered"]
        help_texts = {"tendered": "Cash only: what the client handed over; the change shows."}

    def clean(self):
        """Cash tendered checked by the service's own rule (R47), so a refusal reads as the
        rule, not as the database constraint behind it (R71)."""
        cleaned = super().clean()
        tendered, amount = cleaned.get("tendered"), cleaned.get("amount")
        if self.errors or tendered is None or amount is None:
            return cleaned
        try:
            cash_tendered_check(method=cleaned.get("method"), amount=amount, tendered=tendered)
        except DomainError as error:
            # On the field: the model's own check of it (a constraint) is then skipped.
            self.add_error("tendered", error.message)
        return cleaned


class PaymentInline(AddedOrRemovedWhileOpen, admin.TabularInline):
    model = Payment
    form = PaymentForm
    fields = ["method", "amount", "tendered", "change", "points", "created_at", "created_by"]
    readonly_fields = ["change", "points", "created_at", "created_by"]

    @admin.display(description="Change")
    def change(self, payment):
        """Cash handed back (R47)."""
        return "-" if payment.pk is None or payment.change is None else payment.change


class TipForm(forms.ModelForm):
    class Meta:
        model = Tip
        fields = ["amount", "staff"]


class TipInline(AddedOrRemovedWhileOpen, StaffChoicesOnce, admin.TabularInline):
    """Tips (R45): added and removed on open tickets, never edited; not taxed, not earning,
    not payable with points."""

    model = Tip
    form = TipForm
    fields = ["amount", "staff", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff", "created_by")
