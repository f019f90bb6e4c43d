"""Earning rules and the program's settings in admin (R2-R8, R13, R19-R21): Manager only,
every change through loyalty's configuration services, with history."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from catalog.models import ItemKind
from loyalty import selectors
from loyalty.actions import ACTIONS, SPEND_ACTIONS
from loyalty.configuration import (
    SETTINGS_FIELDS,
    earning_rule_changes_clean,
    earning_rule_update,
    loyalty_settings_changes_clean,
    loyalty_settings_update,
)
from loyalty.models import (
    EarningRule,
    LoyaltySettings,
)
from loyalty.notices import notices_due
from salon.admin_history import HistoryAdmin
from salon.admin_pages import SingleRowAdmin, admin_page, permission_require
from salon.errors import DomainError
from salon.forms import form_refusal_add
from salon.selectors import features_get

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
            form_refusal_add(self, error)
        return cleaned


@admin.register(LoyaltySettings)
class LoyaltySettingsAdmin(SingleRowAdmin, HistoryAdmin):
    """The single settings row (R19): the list opens the row itself."""

    row = staticmethod(selectors.loyalty_settings_get)
    form = LoyaltySettingsForm

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
        permission_require(request, "loyalty.change_loyaltysettings")
        context = {
            **self.admin_site.each_context(request),
            "title": "Next points reminders and statements",
            "notices": notices_due(),
        }
        return TemplateResponse(request, "admin/loyalty/notices_preview.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not features_get().rewards_referrals:
            messages.warning(request, REWARDS_OFF_BANNER)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        loyalty_settings_update(
            changes={name: form.cleaned_data[name] for name in SETTINGS_FIELDS},
            user=request.user,
        )
