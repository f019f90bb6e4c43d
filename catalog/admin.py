from django.contrib import admin

from salon.forms import ServiceFormAdmin, ServiceModelForm

from . import services
from .models import Item, TaxRate

ITEM_FIELDS = ("name", "kind", "price", "active", "duration_minutes", "tax_rate")


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "price", "duration_minutes", "tax_rate", "active"]
    list_filter = ["kind", "active", "tax_rate"]
    list_select_related = ["tax_rate"]
    search_fields = ["name"]
    ordering = ["kind", "name"]
    fields = [*ITEM_FIELDS, "created_at"]
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change):
        fields = {key: form.cleaned_data[key] for key in ITEM_FIELDS}
        if change:
            if fields["tax_rate"] is None:
                fields["tax_rate"] = services.NOT_TAXED
            saved = services.item_update(item=obj, **fields)
        else:
            saved = services.item_create(**fields)
        # The admin goes on with `obj` (messages, redirect): give it the saved row's state.
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def get_search_results(self, request, queryset, search_term):
        # The ticket line autocomplete offers only items that can still be sold (R32).
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "ticketline":
            queryset = queryset.filter(active=True)
        return queryset, may_have_duplicates


class TaxRateForm(ServiceModelForm):
    """Checked by the service that saves it, so a refused percent is a form error (R43)."""

    class Meta:
        model = TaxRate
        fields = ["name", "percent"]

    def run_service(self, cleaned_data):
        if self.instance.pk:
            return services.tax_rate_update(tax_rate=self.instance, **self.changes(cleaned_data))
        return services.tax_rate_create(**self.changes(cleaned_data))

    def changes(self, cleaned_data: dict) -> dict:
        return {name: cleaned_data[name] for name in ("name", "percent")}


@admin.register(TaxRate)
class TaxRateAdmin(ServiceFormAdmin, admin.ModelAdmin):
    """Managers keep the tax rates (R43); a line keeps the percent it was sold at."""

    form = TaxRateForm
    list_display = ["name", "percent"]
    search_fields = ["name"]
