"""The front desk's ticket screen (R16, R29-R32). Every change goes through tickets.services;
a service's refusal rolls the whole submit back and shows as an admin message."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import HttpResponseRedirect
from django.utils.html import format_html

from catalog.models import Item
from salon.errors import DomainError
from salon.forms import form_refusal_add, refusal_text
from salon.money import round_money
from staff.models import Staff
from tickets.checks import ADJUST_CLOSED_TICKET
from tickets.lifecycle import (
    ticket_close,
    ticket_open,
    ticket_set_client,
    ticket_settle,
    ticket_void,
)
from tickets.lines import line_net_amount, ticket_add_line, ticket_remove_line, ticket_update_line
from tickets.payments import cash_tendered_check, payment_add, payment_remove
from tickets.tips import tip_add, tip_remove

from . import selectors
from .errors import LineItemChanged
from .models import (
    Payment,
    PaymentMethod,
    Ticket,
    TicketAdjustment,
    TicketLine,
    TicketStatus,
    Tip,
)

TICKET_FIELDS = [
    "client",
    "appointment",
    "reservation",
    "status",
    "created_at",
    "created_by",
    "closed_at",
    "voided_at",
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
LINE_VALUES = ["quantity", "unit_price", "discount_amount", "discount_percent"]
DESK_METHODS = [
    (value, label) for value, label in PaymentMethod.choices if value != PaymentMethod.POINTS
]


def may_adjust_closed(request) -> bool:
    return request.user.has_perm(ADJUST_CLOSED_TICKET)


def editable(request, ticket: Ticket | None) -> bool:
    """Open tickets are anyone's; closed ones a Manager's; voided ones no one's (R16, §10)."""
    if ticket is None or ticket.status == TicketStatus.OPEN:
        return True
    return ticket.status == TicketStatus.CLOSED and may_adjust_closed(request)


class StaffChoicesOnce:
    """Inline rows choose a staff member (R41, R45) from one list read once per page: a
    model choice field would query the staff table again for every row."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "staff" and field is not None:
            # Lines and tips both ask, on every form build: read the staff once a request.
            if not hasattr(request, "staff_choices"):
                request.staff_choices = [
                    ("", "---------"),
                    *(
                        (staff.pk, staff.name if staff.active else f"{staff.name} (inactive)")
                        for staff in Staff.objects.order_by("-active", "name")
                    ),
                ]
            field.choices = request.staff_choices
        return field


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


class TicketLineInline(StaffChoicesOnce, admin.TabularInline):
    model = TicketLine
    form = TicketLineForm
    extra = 1
    autocomplete_fields = ["item"]
    readonly_fields = ["net_amount", "line_tax"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item", "staff")

    def get_fields(self, request, obj=None):
        if obj is not None and obj.status != TicketStatus.OPEN:
            return ["item", "staff", "package_redemption", *LINE_VALUES, "net_amount", "line_tax"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # A closed ticket's lines keep their item; only figures change (R16).
        if obj is not None and obj.status != TicketStatus.OPEN:
            return ["item", "staff", "package_redemption", "net_amount", "line_tax"]
        return self.readonly_fields

    @admin.display(description="Tax")
    def line_tax(self, line):
        """The line's tax and its rate as copied when it was added (R43)."""
        if line.pk is None or line.tax_percent is None:
            return "-"
        included = " included" if line.tax_included else ""
        return f"{line.tax} ({line.tax_percent.normalize():f} %{included})"

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None or obj.status == TicketStatus.OPEN else 0

    def has_add_permission(self, request, obj=None):
        # New lines only on open tickets: a closed one is adjusted (R32).
        return (obj is None or obj.status == TicketStatus.OPEN) and super().has_add_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return editable(request, obj) and super().has_delete_permission(request, obj)


class PaymentForm(forms.ModelForm):
    # The initial matches the first choice, so an untouched empty payment row is not
    # "changed" (it would otherwise ask for an amount on every save).
    method = forms.ChoiceField(
        choices=DESK_METHODS,
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


class PaymentInline(admin.TabularInline):
    model = Payment
    form = PaymentForm
    extra = 1
    fields = ["method", "amount", "tendered", "change", "points", "created_at", "created_by"]
    readonly_fields = ["change", "points", "created_at", "created_by"]

    @admin.display(description="Change")
    def change(self, payment):
        """Cash handed back (R47)."""
        return "-" if payment.pk is None or payment.change is None else payment.change

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None or obj.status == TicketStatus.OPEN else 0

    def has_add_permission(self, request, obj=None):
        return (obj is None or obj.status == TicketStatus.OPEN) and super().has_add_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        # A payment is taken or removed, never edited.
        return False

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.status == TicketStatus.OPEN) and super().has_delete_permission(
            request, obj
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


class TipForm(forms.ModelForm):
    class Meta:
        model = Tip
        fields = ["amount", "staff"]


class TipInline(StaffChoicesOnce, admin.TabularInline):
    """Tips (R45): added and removed on open tickets, never edited; not taxed, not earning,
    not payable with points."""

    model = Tip
    form = TipForm
    extra = 0
    fields = ["amount", "staff", "created_at", "created_by"]
    readonly_fields = ["created_at", "created_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff", "created_by")

    def get_extra(self, request, obj=None, **kwargs):
        return 1 if obj is None or obj.status == TicketStatus.OPEN else 0

    def has_add_permission(self, request, obj=None):
        return (obj is None or obj.status == TicketStatus.OPEN) and super().has_add_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.status == TicketStatus.OPEN) and super().has_delete_permission(
            request, obj
        )


class TicketAdjustmentInline(admin.TabularInline):
    model = TicketAdjustment
    extra = 0
    fields = ["created_at", "created_by", "change"]
    readonly_fields = fields

    def get_queryset(self, request):
        return with_item_names(super().get_queryset(request))

    @admin.display(description="Change")
    def change(self, adjustment: TicketAdjustment) -> str:
        return adjustment_summary(adjustment)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TicketForm(forms.ModelForm):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required to void or adjust a closed ticket.",
    )
    settle_method = forms.ChoiceField(
        choices=[("", "---------"), *DESK_METHODS], required=False, label="Method"
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
            ticket_set_client(ticket=obj, client=form.cleaned_data["client"], user=request.user)

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
                    tip_remove(tip=tip, user=request.user)
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
                        user=request.user,
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
                    payment_remove(payment=payment, user=request.user)
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


@admin.register(TicketAdjustment)
class TicketAdjustmentAdmin(admin.ModelAdmin):
    """The record of changes to closed tickets (R16): read-only."""

    list_display = ["created_at", "ticket", "change", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "created_by"]
    fields = ["created_at", "created_by", "ticket", "kind", "change"]
    readonly_fields = fields

    def get_queryset(self, request):
        return with_item_names(super().get_queryset(request))

    @admin.display(description="Change")
    def change(self, adjustment: TicketAdjustment) -> str:
        return adjustment_summary(adjustment)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
