"""Rewards configuration, settings, the read-only ledger, manual adjustments and the rewards
box. Every write goes through a service; the admin holds no rule of its own."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from catalog.models import ItemKind
from clients.models import Client
from loyalty import selectors
from loyalty.actions import ACTIONS, SPEND_ACTIONS, Action
from loyalty.adjustments import points_adjust
from loyalty.configuration import (
    SETTINGS_FIELDS,
    earning_rule_changes_clean,
    earning_rule_update,
    loyalty_settings_changes_clean,
    loyalty_settings_update,
)
from loyalty.models import (
    ClientTier,
    EarningRule,
    LoyaltySettings,
    PointsEntry,
    Promotion,
    Tier,
    TierChange,
)
from loyalty.notices import notices_due
from loyalty.otp import redemption_code_send
from loyalty.promotions import (
    PROMOTION_ACTIONS,
    PROMOTION_FIELDS,
    promotion_changes_clean,
    promotion_delete,
    promotion_save,
    promotion_state,
)
from loyalty.redemption import points_redeem
from loyalty.tiers import client_tier_place, tier_changes_clean, tier_delete, tier_save
from salon.admin_history import HistoryAdmin
from salon.admin_pages import admin_page
from salon.errors import DomainError
from salon.forms import form_refusal_add
from salon.selectors import features_get
from tickets.models import Ticket
from tickets.selectors import ticket_balance_due

RULE_CELLS = ["active", "points", "spend_unit", "referrer_points"]
REWARDS_OFF_BANNER = (
    "The Rewards & Referrals feature is switched off: nothing is earned or redeemed until it "
    "is switched on again (Client Connect features). Balances stay visible."
)


class NotApplicableWidget(forms.Widget):
    """A cell that can't be configured for this action (SPEC §3) shows NA."""

    def render(self, name, value, attrs=None, renderer=None):
        return mark_safe('<span class="loyalty-na" title="Not applicable">NA</span>')


class EarningRuleForm(forms.ModelForm):
    """One row of the configuration table; NA cells are disabled and read NA."""

    class Meta:
        model = EarningRule
        fields = RULE_CELLS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = self.instance.action
        not_applicable = []
        if action not in SPEND_ACTIONS:
            not_applicable.append("spend_unit")
        if not ACTIONS[action].referrer_eligible:
            not_applicable.append("referrer_points")
        for name in not_applicable:
            if name in self.fields:
                field = self.fields[name]
                field.disabled = True
                field.required = False
                field.widget = NotApplicableWidget()

    def clean(self):
        cleaned = super().clean()
        changes = {name: cleaned.get(name) for name in self.changed_data if name in RULE_CELLS}
        try:
            earning_rule_changes_clean(action=self.instance.action, changes=changes)
        except DomainError as error:
            form_refusal_add(self, error)
        return cleaned


@admin.register(EarningRule)
class EarningRuleAdmin(HistoryAdmin):
    """The rewards configuration as ONE table (SPEC §3): Manager edits, Front desk views."""

    list_display = ["action_label", *RULE_CELLS]
    list_editable = RULE_CELLS
    list_display_links = None
    empty_value_display = "NA"  # only NA cells are empty
    form = EarningRuleForm
    actions = None
    show_full_result_count = False

    @admin.display(description="Action", ordering="id")
    def action_label(self, rule):
        return rule.get_action_display()

    def get_changelist_form(self, request, **kwargs):
        return EarningRuleForm

    def get_queryset(self, request):
        selectors.earning_rules_get()  # all 16 rows, even after a flush
        return super().get_queryset(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not features_get().rewards_referrals:
            messages.warning(request, REWARDS_OFF_BANNER)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("admin:loyalty_earningrule_changelist")

    def save_model(self, request, obj, form, change):
        earning_rule_update(
            action=obj.action,
            changes={name: form.cleaned_data[name] for name in form.changed_data},
            user=request.user,
        )


class LoyaltySettingsForm(forms.ModelForm):
    """The settings in plain form fields (no JSON on screens); the service judges them."""

    expiry_reminder_days = forms.CharField(
        required=False,
        label="Expiry reminders (days before)",
        help_text="Up to 5 numbers of days, e.g. “30, 7”; empty for no reminders.",
    )
    redeemable_kinds = forms.MultipleChoiceField(
        choices=ItemKind.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Points may pay for",
    )

    class Meta:
        model = LoyaltySettings
        fields = list(SETTINGS_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = self.instance.expiry_reminder_days or []
        self.initial["expiry_reminder_days"] = ", ".join(str(day) for day in days)
        self.fields["expiry_reminder_days"].help_text = format_html(
            '{} <a href="{}">See the messages the next run would send.</a>',
            self.fields["expiry_reminder_days"].help_text,
            reverse("admin:loyalty_notices_preview"),
        )

    def clean_expiry_reminder_days(self):
        text = self.cleaned_data["expiry_reminder_days"].replace(";", ",")
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError("Give whole numbers of days separated by commas.")
        return [int(part) for part in parts]

    def clean(self):
        cleaned = super().clean()
        changes = {name: cleaned[name] for name in SETTINGS_FIELDS if name in cleaned}
        try:
            loyalty_settings_changes_clean(changes=changes, current=self.instance)
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


@admin.register(LoyaltySettings)
class LoyaltySettingsAdmin(HistoryAdmin):
    """The single settings row (R19): the list opens the row itself."""

    form = LoyaltySettingsForm

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            admin_page(
                "notices/",
                self.notices_preview_view,
                "loyalty_notices_preview",
                site=self.admin_site,
            ),
            *super().get_urls(),
        ]

    def notices_preview_view(self, request):
        """The messages the next reminders-and-statements run would send (R55, R56)."""
        if not request.user.has_perm("loyalty.change_loyaltysettings"):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Next points reminders and statements",
            "notices": notices_due(),
        }
        return TemplateResponse(request, "admin/loyalty/notices_preview.html", context)

    def changelist_view(self, request, extra_context=None):
        settings_row = selectors.loyalty_settings_get()
        return redirect("admin:loyalty_loyaltysettings_change", settings_row.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not features_get().rewards_referrals:
            messages.warning(request, REWARDS_OFF_BANNER)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        loyalty_settings_update(
            changes={name: form.cleaned_data[name] for name in SETTINGS_FIELDS},
            user=request.user,
        )


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
class PointsEntryAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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
        if not request.user.has_perm("loyalty.adjust_points"):
            raise PermissionDenied
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
        if not request.user.has_perm("loyalty.redeem_points"):
            raise PermissionDenied
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
                selectors.client_rewards_summary(client=ticket.client) if ticket.client else None
            ),
            "balance_due": ticket_balance_due(ticket=ticket),
            "needs_code": selectors.loyalty_settings_get().redemption_otp,
        }
        return TemplateResponse(request, "admin/loyalty/redeem.html", context)


# --- tiers, promotions and placements (R61, R62) --------------------------------------------


class TierForm(forms.ModelForm):
    class Meta:
        model = Tier
        fields = ["name", "min_spend", "keep_spend", "multiplier"]
        help_texts = {"keep_spend": "Empty: the same as the spend to reach."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "keep_spend" in self.fields:  # absent on the desk's read-only page
            self.fields["keep_spend"].required = False

    def clean(self):
        cleaned = super().clean()
        changes = {name: cleaned.get(name) for name in self.fields if name in cleaned}
        try:
            tier_changes_clean(tier=self.instance if self.instance.pk else None, changes=changes)
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


@admin.register(Tier)
class TierAdmin(HistoryAdmin):
    """The tier table (R61); every save goes through tier_save."""

    form = TierForm
    list_display = ["name", "min_spend", "keep_spend", "multiplier"]

    def save_model(self, request, obj, form, change):
        saved = tier_save(
            tier=obj if change else None,
            changes={name: form.cleaned_data.get(name) for name in form.fields},
            user=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        tier_delete(tier=obj, user=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect("admin:loyalty_tier_changelist")


class PromotionForm(forms.ModelForm):
    actions = forms.MultipleChoiceField(
        choices=[(code, Action(code).label) for code in PROMOTION_ACTIONS],
        widget=forms.CheckboxSelectMultiple,
    )
    item_kinds = forms.MultipleChoiceField(
        choices=ItemKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Spend actions only on lines of these kinds; none ticked: any kind.",
    )

    class Meta:
        model = Promotion
        fields = PROMOTION_FIELDS
        help_texts = {
            "multiplier": "From 1.01 to 10; or give bonus points instead.",
            "bonus_points": "Points added per ticket and action; or give a multiplier instead.",
        }

    def clean(self):
        cleaned = super().clean()
        changes = {name: cleaned.get(name) for name in PROMOTION_FIELDS if name in cleaned}
        changes["tiers"] = list(changes.get("tiers") or [])
        try:
            promotion_changes_clean(
                promotion=self.instance if self.instance.pk else None, changes=changes
            )
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


class PromotionWhenFilter(admin.SimpleListFilter):
    """The desk's question: what is running now, and what comes next."""

    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("running", "Running now"), ("next", "Next"), ("ended", "Ended")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "running":
            return queryset.filter(starts_on__lte=today, ends_on__gte=today)
        if self.value() == "next":
            return queryset.filter(starts_on__gt=today)
        if self.value() == "ended":
            return queryset.filter(ends_on__lt=today)
        return queryset


@admin.register(Promotion)
class PromotionAdmin(HistoryAdmin):
    """Promotions (R62), running ones first; every save goes through promotion_save."""

    form = PromotionForm
    list_display = ["name", "when", "starts_on", "ends_on", "gives", "max_per_client"]
    list_filter = [PromotionWhenFilter]
    filter_horizontal = ["tiers"]
    ordering = ["-ends_on", "starts_on"]

    @admin.display(description="When")
    def when(self, promotion):
        return {"running": "Running now", "next": "Next", "ended": "Ended"}[
            promotion_state(promotion)
        ]

    @admin.display(description="Gives")
    def gives(self, promotion):
        if promotion.multiplier is not None:
            return f"×{promotion.multiplier} points"
        return f"+{promotion.bonus_points} points"

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data.get(name) for name in PROMOTION_FIELDS}
        changes["tiers"] = list(changes["tiers"] or [])
        saved = promotion_save(
            promotion=obj if change else None, changes=changes, user=request.user
        )
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """promotion_save set the tiers already."""

    def delete_model(self, request, obj):
        promotion_delete(promotion=obj, user=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect("admin:loyalty_promotion_changelist")


class ClientTierPlaceForm(forms.Form):
    tier = forms.ModelChoiceField(
        queryset=Tier.objects.all(), required=False, empty_label="No tier"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500)


@admin.register(ClientTier)
class ClientTierAdmin(admin.ModelAdmin):
    """Who holds which tier and since when (R61); a Manager changes it with a reason on the
    placement page, audited as a tier change."""

    list_display = ["client", "tier", "held_since", "manual"]
    list_filter = ["tier", "manual"]
    list_select_related = ["client", "tier"]
    search_fields = ["client__first_name", "client__last_name"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            admin_page(
                "place/<id:client_id>/",
                self.place_view,
                "loyalty_clienttier_place",
                site=self.admin_site,
            ),
            *super().get_urls(),
        ]

    def place_view(self, request, client_id):
        if not request.user.has_perm("loyalty.place_client_tier"):
            raise PermissionDenied
        client = get_object_or_404(Client, pk=client_id)
        form = ClientTierPlaceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                client_tier_place(
                    client=client,
                    tier=form.cleaned_data["tier"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                tier = form.cleaned_data["tier"]
                self.message_user(
                    request, f"{client} is now in {tier or 'no tier'}.", messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:clients_client_change", args=[client.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Tier of {client}",
            "form": form,
            "client": client,
            "changes": client.tier_changes.all()[:20],
        }
        return TemplateResponse(request, "admin/loyalty/client_tier_place.html", context)


@admin.register(TierChange)
class TierChangeAdmin(admin.ModelAdmin):
    """The audit trail of tier changes (R61), read-only."""

    list_display = [
        "created_at",
        "client",
        "kind",
        "from_tier",
        "to_tier",
        "qualifying_spend",
        "reason",
        "created_by",
    ]
    list_filter = ["kind"]
    list_select_related = ["client", "created_by"]
    search_fields = ["client__first_name", "client__last_name", "reason"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
