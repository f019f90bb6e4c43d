from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from clients.merge import client_merge
from clients.models import Client, ClientFile
from clients.selectors import client_profile_photo, client_search
from clients.services import EDITABLE_FIELDS, UPDATABLE_FIELDS, client_create, client_update
from clients.uploads import client_file_check, client_file_delete, client_file_upload
from salon.admin_history import HistoryAdmin
from salon.errors import DomainError
from salon.formats import phone_display
from salon.forms import ServiceFormAdmin, ServiceModelForm, form_refusal_add


class ClientForm(ServiceModelForm):
    """Saved by client_create / client_update, which also validate it (R24, R25)."""

    class Meta:
        model = Client
        fields = list(EDITABLE_FIELDS)
        help_texts = {"phone": "Mobile phone, in any common format: (202) 555-0101."}

    def service_arguments(self, cleaned_data: dict) -> dict:
        if self.instance.pk is None:
            return {
                name: cleaned_data.get(name) for name in EDITABLE_FIELDS if name in cleaned_data
            }
        return {
            name: cleaned_data.get(name)
            for name in self.changed_data
            if name in UPDATABLE_FIELDS and name in cleaned_data
        }

    def run_service(self, cleaned_data):
        arguments = self.service_arguments(cleaned_data)
        if self.instance.pk is None:
            return client_create(**arguments, created_by=self.user)
        return client_update(client=self.instance, changes=arguments, user=self.user)


class ClientFileInline(admin.TabularInline):
    """The client's stored files: shown read-only, with a link and a delete box."""

    model = ClientFile
    verbose_name = "stored file"
    verbose_name_plural = "Stored files (images and PDFs)"
    extra = 0
    fields = ["link", "kind", "size", "is_profile_photo", "uploaded_at", "uploaded_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("clients.delete_clientfile")

    @admin.display(description="File")
    def link(self, record: ClientFile):
        # The protected download view (staff only), never a public media URL (R27).
        url = reverse(
            "client-file-download", kwargs={"client_id": record.client_id, "file_id": record.pk}
        )
        return format_html('<a href="{}" target="_blank">{}</a>', url, record.original_name)


class UploadFormSet(forms.BaseInlineFormSet):
    """New uploads, each checked by the upload service's rules before anything is saved."""

    def clean(self):
        super().clean()
        pending = 0
        profile_photos = 0
        for form in self.forms:
            uploaded_file = form.cleaned_data.get("file") if hasattr(form, "cleaned_data") else None
            if not uploaded_file or form.cleaned_data.get("DELETE"):
                continue
            is_profile_photo = form.cleaned_data.get("is_profile_photo", False)
            profile_photos += is_profile_photo
            try:
                client_file_check(
                    client=self.instance,
                    uploaded_file=uploaded_file,
                    is_profile_photo=is_profile_photo,
                    pending=pending,
                )
            except DomainError as error:
                form_refusal_add(form, error)
            pending += 1
        if profile_photos > 1:
            raise ValidationError("Tick “Use as profile photo” on one upload only.")


class UploadForm(forms.ModelForm):
    class Meta:
        model = ClientFile
        fields = ["file", "is_profile_photo"]

    def _post_clean(self):
        # client_file_check (in the formset) and client_file_upload validate the upload.
        pass


class ClientFileUploadInline(admin.TabularInline):
    """Add files: "Use as profile photo" ticked before upload makes an image the photo."""

    model = ClientFile
    form = UploadForm
    formset = UploadFormSet
    verbose_name = "new upload"
    verbose_name_plural = "Upload images or PDFs"
    fields = ["file", "is_profile_photo"]
    extra = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("clients.add_clientfile")


@admin.register(Client)
class ClientAdmin(ServiceFormAdmin, HistoryAdmin):
    form = ClientForm
    list_display = [
        "last_name",
        "first_name",
        "phone_number",
        "email",
        "source",
        "referred_by",
        "merged_into",
        "created_at",
    ]
    list_display_links = ["last_name", "first_name"]
    list_select_related = ["referred_by", "merged_into"]
    list_filter = ["source", ("merged_into", admin.EmptyFieldListFilter)]
    # The search itself is clients.selectors.client_search (R26); these fields only
    # switch the search box (and the referrer autocomplete) on.
    search_fields = ["first_name", "last_name", "phone", "email"]
    search_help_text = "Name, e-mail or phone in any format: (202) 555-0101, 202.555, +1 202…"
    show_full_result_count = False
    autocomplete_fields = ["referred_by"]
    inlines = [ClientFileInline, ClientFileUploadInline]
    actions = ["merge_clients"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "profile_photo",
                    "first_name",
                    "last_name",
                    "phone",
                    "email",
                    "birthday",
                    "notes",
                ]
            },
        ),
        ("Contact and source", {"fields": ["sms_consent", "source"]}),
        ("Referrals", {"fields": ["referral_code", "referred_by"]}),
        ("Record", {"fields": ["user", "merged_into", "created_by", "created_at", "updated_at"]}),
    ]
    always_read_only = [
        "profile_photo",
        "source",  # R77: the system's (desk: front_desk), it decides online sign-up points
        "referral_code",
        "user",
        "merged_into",
        "created_by",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Phone", ordering="phone")
    def phone_number(self, client: Client) -> str:
        return phone_display(client.phone)

    @admin.display(description="Profile photo")
    def profile_photo(self, client: Client):
        photo = client_profile_photo(client=client) if client.pk else None
        if photo is None:
            return "—"
        url = reverse("client-file-download", kwargs={"client_id": client.pk, "file_id": photo.pk})
        return format_html('<img src="{}" alt="" style="max-height: 120px">', url)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.referred_by_id is not None:
            return [*self.always_read_only, "referred_by"]  # R25: once saved, never changed
        return self.always_read_only

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_tombstone:
            return False  # R17: a tombstone stays readable and refuses every change
        return super().has_change_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        queryset = client_search(query=search_term, queryset=queryset)
        looking_for_merged = any(name.startswith("merged_into") for name in request.GET)
        if request.GET.get("field_name") or (search_term and not looking_for_merged):
            # An autocomplete box (a referrer, a ticket's or an appointment's client) never
            # offers a tombstone: every service refuses one (R17, R25); nor does the desk's
            # Find client (issue #14), unless the list is filtered to merged clients.
            queryset = queryset.filter(merged_into__isnull=True)
        return queryset, False

    def save_formset(self, request, form, formset, change):
        client = form.instance
        if formset.model is not ClientFile:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            cleaned = getattr(inline_form, "cleaned_data", {})
            if inline_form.instance.pk and cleaned.get("DELETE"):
                client_file_delete(file=inline_form.instance, user=request.user)
                formset.deleted_objects.append(inline_form.instance)
            elif not inline_form.instance.pk and cleaned.get("file"):
                formset.new_objects.append(
                    client_file_upload(
                        client=client,
                        uploaded_file=cleaned["file"],
                        is_profile_photo=cleaned.get("is_profile_photo", False),
                        user=request.user,
                    )
                )
        return None

    def has_merge_permission(self, request):
        return request.user.has_perm("clients.merge_client")

    @admin.action(description="Merge into…", permissions=["merge"])
    def merge_clients(self, request, queryset):
        clients = list(queryset.order_by("pk"))
        if len(clients) != 2:
            self.message_user(request, "Select exactly two clients to merge.", messages.ERROR)
            return None
        if request.POST.get("post") == "yes":
            by_id = {str(client.pk): client for client in clients}
            survivor = by_id.get(request.POST.get("survivor", ""))
            if survivor is None:
                self.message_user(request, "Choose the client to keep.", messages.ERROR)
                return None
            duplicate = clients[1] if survivor == clients[0] else clients[0]
            try:
                survivor = client_merge(survivor=survivor, duplicate=duplicate, user=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                return None
            self.message_user(
                request, f"“{duplicate}” was merged into “{survivor}”.", messages.SUCCESS
            )
            return HttpResponseRedirect(reverse("admin:clients_client_change", args=[survivor.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge two clients",
            "opts": self.model._meta,
            "clients": clients,
            "queryset": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/clients/client/merge_confirmation.html", context)
