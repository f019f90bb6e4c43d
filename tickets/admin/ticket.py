"""The ticket's admin page (R16, R29-R32): open, close, void, settle, change the client."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from salon.errors import DomainError
from salon.forms import refusal_text
from salon.money import round_money
from tickets import selectors
from tickets.admin.access import editable, may_adjust_closed
from tickets.admin.adjustments import TicketAdjustmentInline
from tickets.admin.lines import LINE_VALUES, TicketLineInline
from tickets.admin.payments import PaymentInline, TipInline
from tickets.errors import LineItemChanged
from tickets.lifecycle import (
    ticket_close,
    ticket_open,
    ticket_set_client,
    ticket_settle,
    ticket_void,
)
from tickets.lines import ticket_add_line, ticket_remove_line, ticket_update_line
from tickets.models import (
    DESK_METHOD_CHOICES,
    Payment,
    Ticket,
    TicketLine,
    TicketStatus,
    Tip,
)
from tickets.payments import payment_add, payment_remove
from tickets.tips import tip_add, tip_remove

TICKET_FIELDS = [
    "client",
    "appointment",
    "reservation",
    "status",
    "created_at",
    "created_by",
    "closed_at",
    "closed_by",
    "voided_at",
    "voided_by",
    "void_reason",
]

AMOUNT_FIELDS = [
    "subtotal",
    "tax",
    "tips",
    "total",
    "paid",
    "balance_due",
    "points_earned",
    "referrer_points_earned",
]


class TicketForm(forms.ModelForm):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required to void or adjust a closed ticket.",
    )
    settle_method = forms.ChoiceField(
        choices=[("", "---------"), *DESK_METHOD_CHOICES], required=False, label="Method"
    )
    settle_amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        label="Amount",
        help_text="Positive: an extra payment; negative: a refund.",
    )

    class Meta:
        model = Ticket
        fields = ["client", "appointment", "reservation"]


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketForm
    list_display = [
        "__str__",
        "client",
        "status",
        "created_at",
        "closed_at",
        "subtotal",
        "tax",
        "tips",
        "total",
        "balance_due",
    ]
    list_filter = ["status"]
    list_select_related = ["client"]
    search_fields = ["=id", "client__first_name", "client__last_name", "client__phone"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    autocomplete_fields = ["client"]
    raw_id_fields = ["appointment", "reservation"]
    inlines = [TicketLineInline, TipInline, PaymentInline, TicketAdjustmentInline]

    def get_queryset(self, request):
        return selectors.ticket_list_with_totals(queryset=super().get_queryset(request))

    # --- what is shown ---------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["client", "appointment", "reservation"]})]
        fieldsets = [(None, {"fields": TICKET_FIELDS}), ("Amounts", {"fields": AMOUNT_FIELDS})]
        if editable(request, obj):
            fieldsets.append(("Void or adjust", {"fields": ["reason"]}))
        if obj.status == TicketStatus.CLOSED and may_adjust_closed(request):
            fieldsets.append(
                (
                    "Settle the balance (Manager)",
                    {"fields": ["settle_method", "settle_amount"]},
                )
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = [*TICKET_FIELDS, *AMOUNT_FIELDS]
        if obj.status == TicketStatus.OPEN:
            readonly.remove("client")  # a walk-in who turns out to be a regular (R48)
        return readonly

    def get_inlines(self, request, obj):
        # Lines and payments need a ticket: open it first, then fill it in.
        return [] if obj is None else self.inlines

    @staticmethod
    def _amount(ticket, annotation):
        # Annotated on lists and the change page (R44); SQLite may drop trailing zeros.
        return round_money(getattr(ticket, annotation))

    @admin.display(description="Subtotal")
    def subtotal(self, ticket):
        return self._amount(ticket, "subtotal_amount")

    @admin.display(description="Tax")
    def tax(self, ticket):
        return self._amount(ticket, "tax_amount")

    @admin.display(description="Tips")
    def tips(self, ticket):
        return self._amount(ticket, "tips_amount")

    @admin.display(description="Total")
    def total(self, ticket):
        return self._amount(ticket, "total_amount")

    @admin.display(description="Paid")
    def paid(self, ticket):
        return self._amount(ticket, "paid_amount")

    @admin.display(description="Balance due")
    def balance_due(self, ticket):
        return self._amount(ticket, "balance_due_amount")

    @admin.display(description="Points earned")
    def points_earned(self, ticket):
        """What the closed ticket earned its client (R48), annotated by loyalty."""
        if ticket.status == TicketStatus.OPEN:
            return "-"
        return getattr(ticket, "points_earned", "-")

    @admin.display(description="Referrer's points")
    def referrer_points_earned(self, ticket):
        if ticket.status == TicketStatus.OPEN:
            return "-"
        return getattr(ticket, "referrer_points_earned", "-")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or editable(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        # Tickets are voided, never deleted.
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and editable(request, obj):
            context["show_close_ticket"] = obj.status == TicketStatus.OPEN
            context["show_void_ticket"] = obj.status != TicketStatus.VOIDED
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- what is saved: services only ------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, ValidationError) as error:
            # The service refused: the submit's transaction rolled back, nothing changed.
            self.message_user(request, refusal_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if not change:
            ticket = ticket_open(
                client=form.cleaned_data.get("client"),
                appointment=form.cleaned_data.get("appointment"),
                reservation=form.cleaned_data.get("reservation"),
                user=request.user,
            )
            obj.pk, obj.created_at, obj.client = ticket.pk, ticket.created_at, ticket.client
        elif "client" in form.changed_data:
            ticket_set_client(ticket=obj, client=form.cleaned_data["client"])

    def save_formset(self, request, form, formset, change):
        # What formset.save() would record, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        reason = form.cleaned_data.get("reason", "")
        if formset.model is TicketLine:
            self._save_lines(request, form.instance, formset, reason)
        elif formset.model is Payment:
            self._save_payments(request, form.instance, formset)
        elif formset.model is Tip:
            self._save_tips(request, form.instance, formset)

    def _save_tips(self, request, ticket, formset):
        deleted = set(formset.deleted_forms)
        for tip_form in formset.forms:
            tip = tip_form.instance
            if tip_form in deleted:
                if tip.pk:
                    tip_remove(tip=tip)
                    formset.deleted_objects.append(tip)
            elif tip.pk is None and tip_form.has_changed():
                new_tip = tip_add(
                    ticket=ticket,
                    amount=tip_form.cleaned_data["amount"],
                    staff=tip_form.cleaned_data.get("staff"),
                    user=request.user,
                )
                formset.new_objects.append(new_tip)

    def _save_lines(self, request, ticket, formset, reason):
        deleted = set(formset.deleted_forms)
        for line_form in formset.forms:
            line = line_form.instance
            if line_form in deleted:
                if line.pk:
                    ticket_remove_line(line=line, user=request.user, reason=reason)
                    formset.deleted_objects.append(line)
            elif line.pk is None:
                if line_form.has_changed():
                    data = line_form.cleaned_data
                    new_line = ticket_add_line(
                        ticket=ticket,
                        item=data["item"],
                        quantity=data["quantity"],
                        unit_price=data.get("unit_price"),
                        discount_amount=data.get("discount_amount"),
                        discount_percent=data.get("discount_percent"),
                        package_redemption=data.get("package_redemption", False),
                        staff=data.get("staff"),
                    )
                    formset.new_objects.append(new_line)
            elif line_form.has_changed():
                if "item" in line_form.changed_data:
                    raise LineItemChanged()
                changed = {key: line_form.cleaned_data[key] for key in LINE_VALUES}
                if "staff" in line_form.changed_data:  # emptied: no one named (R41)
                    changed["staff"] = line_form.cleaned_data.get("staff")
                # The form refuses two discounts; two empty ones mean "no discount", which
                # the service reads from a discount of 0.
                if changed["discount_amount"] is None and changed["discount_percent"] is None:
                    changed["discount_amount"] = Decimal("0")
                line = ticket_update_line(line=line, user=request.user, reason=reason, **changed)
                formset.changed_objects.append((line, line_form.changed_data))

    def _save_payments(self, request, ticket, formset):
        deleted = set(formset.deleted_forms)
        for payment_form in formset.forms:
            payment = payment_form.instance
            if payment_form in deleted:
                if payment.pk:
                    payment_remove(payment=payment)
                    formset.deleted_objects.append(payment)
            elif payment.pk is None and payment_form.has_changed():
                new_payment = payment_add(
                    ticket=ticket,
                    method=payment_form.cleaned_data["method"],
                    amount=payment_form.cleaned_data["amount"],
                    tendered=payment_form.cleaned_data.get("tendered"),
                    user=request.user,
                )
                formset.new_objects.append(new_payment)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        amount = form.cleaned_data.get("settle_amount")
        if change and amount is not None:
            payment = ticket_settle(
                ticket=form.instance,
                method=form.cleaned_data.get("settle_method") or "",
                amount=amount,
                user=request.user,
                reason=form.cleaned_data.get("reason", ""),
            )
            self.message_user(request, f"Settled: {payment}.", messages.SUCCESS)

    def response_change(self, request, obj):
        if "_close_ticket" in request.POST:
            ticket_close(ticket=obj, user=request.user)
            self.message_user(request, f"{obj} is closed.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        if "_void_ticket" in request.POST:
            ticket_void(ticket=obj, user=request.user, reason=request.POST.get("reason", ""))
            self.message_user(request, f"{obj} is voided.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)
