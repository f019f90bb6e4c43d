"""Promotions in admin (R62): dated multipliers and bonuses, with history."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils import timezone

from catalog.models import ItemKind
from loyalty.actions import Action
from loyalty.models import (
    Promotion,
)
from loyalty.promotions import (
    PROMOTION_ACTIONS,
    PROMOTION_FIELDS,
    promotion_changes_clean,
    promotion_delete,
    promotion_save,
    promotion_state,
)
from salon.admin_history import HistoryAdmin
from salon.errors import DomainError
from salon.forms import form_refusal_add


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
            form_refusal_add(self, error)
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
