"""The points ledger in admin (R14, R18): read-only, with the Manager's manual adjustment,
the desk's redeem page (R19-R22, R57) and a client's rewards page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from clients.models import Client
from loyalty import rewards_box, selectors
from loyalty.adjustments import points_adjust
from loyalty.models import (
    PointsEntry,
)
from loyalty.otp import redemption_code_send
from loyalty.redemption import points_redeem
from salon.admin_pages import ReadOnlyAdmin, admin_page, permission_require
from salon.errors import DomainError
from salon.forms import form_refusal_add
from tickets.models import Ticket
from tickets.selectors import ticket_balance_due


class PointsAdjustmentForm(forms.Form):
    client = forms.ModelChoiceField(
        queryset=Client.objects.filter(merged_into__isnull=True),
        # Found by name or phone, as everywhere at the desk (issue #14), never by id.
        widget=AutocompleteSelect(PointsEntry._meta.get_field("client"), admin.site),
        help_text="Type a name or a phone number.",
    )
    points = forms.IntegerField(help_text="Negative to take points away.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    expires_on = forms.DateField(
        required=False,
        label="Points expire on",
        help_text="For points added: their last day. Empty: the salon's expiry policy.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    never_expires = forms.BooleanField(required=False, label="These points never expire")


class RedeemForm(forms.Form):
    points = forms.IntegerField(min_value=1, help_text="1 point = $0.01.")
    code = forms.CharField(
        required=False,
        max_length=6,
        label="Code from the client's phone",
        help_text="Only when the salon needs a texted code to redeem.",
    )


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The ledger, read-only (R14); a Manager's manual adjustment and each client's rewards
    box are pages of their own, served here."""

    list_display = [
        "created_at",
        "client_link",
        "points",
        "kind",
        "action",
        "ticket",
        "available_at",
        "memo",
    ]
    list_filter = ["kind", "action"]
    list_select_related = ["client", "ticket"]
    search_fields = ["client__first_name", "client__last_name", "memo"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    change_list_template = "admin/loyalty/pointsentry/change_list.html"

    readonly_fields = ["drawn_from"]

    @admin.display(description="Drawn from")
    def drawn_from(self, entry):
        """Which points a debit used, or where a give-back returned them (R52, R53)."""
        rows = [
            f"{allocation.points} points of {allocation.lot.created_at:%-d %b %Y}"
            + (
                f" (expiring {allocation.lot.expires_on:%-d %b %Y})"
                if allocation.lot.expires_on
                else " (never expiring)"
            )
            for allocation in selectors.entry_allocations(entry=entry)
        ]
        return format_html_join(mark_safe("<br>"), "{}", ((row,) for row in rows)) or "—"

    @admin.display(description="Client", ordering="client")
    def client_link(self, entry):
        url = reverse("admin:loyalty_client_rewards", args=[entry.client_id])
        return format_html('<a href="{}">{}</a>', url, entry.client)

    def get_urls(self):
        own = [
            admin_page("adjust/", self.adjust_view, "loyalty_points_adjust", site=self.admin_site),
            admin_page(
                "redeem/<id:ticket_id>/",
                self.redeem_view,
                "loyalty_redeem_points",
                site=self.admin_site,
            ),
            admin_page(
                "rewards/<id:client_id>/",
                self.rewards_view,
                "loyalty_client_rewards",
                site=self.admin_site,
            ),
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_adjust_points": request.user.has_perm("loyalty.adjust_points"),
        }
        return super().changelist_view(request, extra_context)

    def adjust_view(self, request):
        """A Manager's manual adjustment with a reason, through points_adjust (R15, §10)."""
        permission_require(request, "loyalty.adjust_points")
        form = PointsAdjustmentForm(request.POST or None, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            try:
                entry = points_adjust(
                    client=form.cleaned_data["client"],
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                    expires_on=form.cleaned_data["expires_on"],
                    never_expires=form.cleaned_data["never_expires"],
                )
            except DomainError as error:
                form_refusal_add(form, error)
            else:
                self.message_user(
                    request, f"{entry.points:+d} points for {entry.client}.", messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:loyalty_client_rewards", args=[entry.client_id])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Adjust points",
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/loyalty/points_adjust.html", context)

    def rewards_view(self, request, client_id):
        """The rewards box (R28): pending, redeemable and their value, and the last entries."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        client = get_object_or_404(Client, pk=client_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Rewards of {client}",
            "client": client,
            "entries": selectors.client_points_entries(client=client).select_related("ticket")[:50],
        }
        return TemplateResponse(request, "admin/loyalty/client_rewards.html", context)

    def redeem_view(self, request, ticket_id):
        """Front desk pays part of an open ticket with points, through points_redeem (R19-R22)."""
        permission_require(request, "loyalty.redeem_points")
        ticket = get_object_or_404(Ticket.objects.select_related("client"), pk=ticket_id)
        # The ticket's payment area links here with the most points usable now (?points=).
        if request.method == "POST" and "send_code" in request.POST:
            # Text the client a code (R57); the page comes back for the desk to type it in.
            form = RedeemForm(initial={"points": request.POST.get("points")})
            try:
                redemption_code_send(ticket=ticket)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, "A code was texted to the client.", messages.SUCCESS)
        else:
            form = RedeemForm(request.POST or None, initial={"points": request.GET.get("points")})
        if request.method == "POST" and "send_code" not in request.POST and form.is_valid():
            try:
                payment = points_redeem(
                    ticket=ticket,
                    points=form.cleaned_data["points"],
                    user=request.user,
                    code=form.cleaned_data["code"],
                )
            except DomainError as error:
                form_refusal_add(form, error)
            else:
                self.message_user(
                    request,
                    f"{payment.points} points paid ${payment.amount} on {ticket}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:tickets_ticket_change", args=[ticket.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Redeem points on {ticket}",
            "ticket": ticket,
            "form": form,
            "rewards": (
                rewards_box.client_rewards_summary(client=ticket.client) if ticket.client else None
            ),
            "balance_due": ticket_balance_due(ticket=ticket),
            "needs_code": selectors.loyalty_settings_get().redemption_otp,
        }
        return TemplateResponse(request, "admin/loyalty/redeem.html", context)
