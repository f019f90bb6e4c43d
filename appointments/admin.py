from django import forms
from django.contrib import admin, messages

from appointments.booking import (
    RESCHEDULABLE,
    appointment_book,
    appointment_reschedule,
    reservation_create,
)
from appointments.errors import StaffDoubleBooked
from appointments.models import Appointment, ProductReservation
from appointments.services import (
    appointment_cancel,
    appointment_check_in,
    appointment_confirm,
    reservation_cancel,
)
from catalog.models import Item, ItemKind
from salon.errors import DomainError
from salon.forms import ServiceFormAdmin, ServiceModelForm
from staff.models import Staff


class OverlapOverrideForm(ServiceModelForm):
    """R42: the desk is warned of a double booking first; only then does the form offer the
    "Book anyway" box, which sends allow_overlap."""

    allow_overlap = forms.BooleanField(
        required=False,
        widget=forms.HiddenInput,
        label="Book anyway",
        help_text="Tick to double-book this staff member on purpose.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Staff.objects.filter(active=True)

    double_booked = False

    def clean(self):
        cleaned_data = super().clean()
        if self.double_booked:
            self.fields["allow_overlap"].widget = forms.CheckboxInput()
        return cleaned_data

    def run_service(self, cleaned_data):
        try:
            return self.call_service(cleaned_data)
        except StaffDoubleBooked:
            self.double_booked = True
            raise

    def call_service(self, cleaned_data):
        raise NotImplementedError


class AppointmentBookForm(OverlapOverrideForm):
    """A new appointment, booked (and validated) by appointment_book (R12, R35, R42)."""

    class Meta:
        model = Appointment
        fields = [
            "client",
            "item",
            "start",
            "duration_minutes",
            "staff",
            "source",
            "allow_overlap",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(kind=ItemKind.SERVICE, active=True)
        duration = self.fields["duration_minutes"]
        duration.required, duration.initial = False, None
        duration.help_text = "Leave empty for the service's usual duration."

    def call_service(self, cleaned_data):
        return appointment_book(**cleaned_data, user=self.user)


class AppointmentRescheduleForm(OverlapOverrideForm):
    """Move a booked or confirmed appointment (R42) through appointment_reschedule."""

    class Meta:
        model = Appointment
        fields = ["start", "staff", "allow_overlap"]

    def call_service(self, cleaned_data):
        return appointment_reschedule(appointment=self.instance, **cleaned_data)


class ReservationCreateForm(ServiceModelForm):
    """A new reservation, created (and validated) by reservation_create (R36)."""

    class Meta:
        model = ProductReservation
        fields = ["client", "item", "quantity", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(kind=ItemKind.PRODUCT, active=True)

    def run_service(self, cleaned_data):
        return reservation_create(**cleaned_data, user=self.user)


def run_on_each(modeladmin, request, queryset, act, done: str) -> None:
    """Call `act(row)` (one service call) for each selected row; report what changed and
    what was refused."""
    changed = 0
    for row in queryset:
        try:
            act(row)
        except DomainError as refused:
            modeladmin.message_user(request, f"{row}: {refused.message}", messages.ERROR)
        else:
            changed += 1
    if changed:
        modeladmin.message_user(request, f"{changed} {done}.", messages.SUCCESS)


class ServiceAddAdmin(ServiceFormAdmin, admin.ModelAdmin):
    """Rows are added through their service and changed only by the admin actions."""

    add_form: type[ServiceModelForm]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return [field.name for field in self.model._meta.fields]

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(self.add_form._meta.fields)
        return [field.name for field in self.model._meta.fields]

    def has_change_permission(self, request, obj=None):
        # A saved row is shown read-only; its status moves only through the actions.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Cancel instead: tickets and points entries may point at these rows.
        return False


@admin.register(Appointment)
class AppointmentAdmin(ServiceAddAdmin):
    """The appointment book: the day's list by start time (R35). A booked or confirmed
    appointment's page is the reschedule form (start and staff member, R42)."""

    add_form = AppointmentBookForm
    reschedule_form = AppointmentRescheduleForm
    list_display = [
        "start",
        "client",
        "item",
        "staff",
        "duration_minutes",
        "status",
        "source",
        "prebooked",
    ]
    list_select_related = ["client", "item", "staff"]
    list_filter = [
        "status",
        ("start", admin.DateFieldListFilter),
        "staff",
        "source",
        "prebooked",
    ]
    date_hierarchy = "start"
    ordering = ["start", "id"]
    search_fields = ["client__first_name", "client__last_name", "client__phone", "staff__name"]
    autocomplete_fields = ["client"]
    show_full_result_count = False
    actions = ["confirm", "check_in", "cancel"]

    @staticmethod
    def reschedulable(obj) -> bool:
        return obj is not None and obj.status in RESCHEDULABLE

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self.reschedulable(obj):
            kwargs["form"] = self.reschedule_form
            kwargs["fields"] = self.reschedule_form._meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if self.reschedulable(obj):
            return [*super().get_fields(request, obj), "allow_overlap"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if self.reschedulable(obj):
            return [field for field in readonly if field not in ("start", "staff")]
        return readonly

    def has_change_permission(self, request, obj=None):
        if self.reschedulable(obj):
            return admin.ModelAdmin.has_change_permission(self, request, obj)
        return super().has_change_permission(request, obj)

    @admin.action(description="Confirm selected appointments", permissions=["change"])
    def confirm(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda row: appointment_confirm(appointment=row),
            "confirmed",
        )

    @admin.action(description="Check in (client arrived)", permissions=["change"])
    def check_in(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda row: appointment_check_in(appointment=row),
            "checked in",
        )

    @admin.action(description="Cancel selected appointments", permissions=["change"])
    def cancel(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda row: appointment_cancel(appointment=row),
            "cancelled",
        )


@admin.register(ProductReservation)
class ProductReservationAdmin(ServiceAddAdmin):
    add_form = ReservationCreateForm
    list_display = ["created_at", "client", "item", "quantity", "status", "source"]
    list_select_related = ["client", "item"]
    list_filter = ["status", "source"]
    search_fields = ["client__first_name", "client__last_name", "client__phone", "item__name"]
    autocomplete_fields = ["client"]
    show_full_result_count = False
    actions = ["cancel"]

    @admin.action(description="Cancel selected reservations", permissions=["change"])
    def cancel(self, request, queryset):
        run_on_each(
            self,
            request,
            queryset,
            lambda row: reservation_cancel(reservation=row),
            "cancelled",
        )
