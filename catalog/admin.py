from django.contrib import admin

from . import services
from .models import Item


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "price", "duration_minutes", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    ordering = ["kind", "name"]
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change):
        fields = {
            key: form.cleaned_data[key]
            for key in ("name", "kind", "price", "active", "duration_minutes")
        }
        if change:
            saved = services.item_update(item=obj, user=request.user, **fields)
        else:
            saved = services.item_create(user=request.user, **fields)
        # The admin goes on with `obj` (messages, redirect): give it the saved row's state.
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def get_search_results(self, request, queryset, search_term):
        # The ticket line autocomplete offers only items that can still be sold (R32).
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "ticketline":
            queryset = queryset.filter(active=True)
        return queryset, may_have_duplicates
