"""Tiers, a client's placement and the record of tier changes in admin (R61)."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from clients.models import Client
from loyalty.models import (
    ClientTier,
    Tier,
    TierChange,
)
from loyalty.tier_table import tier_changes_clean, tier_delete, tier_save
from loyalty.tiers import client_tier_place
from salon.admin_history import HistoryAdmin
from salon.admin_pages import ReadOnlyAdmin, admin_page, permission_require
from salon.errors import DomainError
from salon.forms import form_refusal_add
from salon.limits import REASON_MAX_LENGTH


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
            form_refusal_add(self, error)
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


class ClientTierPlaceForm(forms.Form):
    tier = forms.ModelChoiceField(
        queryset=Tier.objects.all(), required=False, empty_label="No tier"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=REASON_MAX_LENGTH)


@admin.register(ClientTier)
class ClientTierAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Who holds which tier and since when (R61); a Manager changes it with a reason on the
    placement page, audited as a tier change."""

    list_display = ["client", "tier", "held_since", "manual"]
    list_filter = ["tier", "manual"]
    list_select_related = ["client", "tier"]
    search_fields = ["client__first_name", "client__last_name"]
    show_full_result_count = False

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
        permission_require(request, "loyalty.place_client_tier")
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
                form_refusal_add(form, error)
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
class TierChangeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
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
