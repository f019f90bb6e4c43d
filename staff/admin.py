"""Staff in admin (R41, R42): Managers keep staff, weekly hours and dated exceptions;
the front desk reads them. Every save goes through staff.services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from salon.errors import DomainError
from salon.forms import ServiceFormAdmin, ServiceModelForm
from staff import services
from staff.models import ScheduleException, Staff, WorkingHours
from staff.services import Range


class StaffForm(ServiceModelForm):
    class Meta:
        model = Staff
        fields = ["name", "active", "color", "user"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:  # absent from the front desk's read-only view
            self.fields["user"].queryset = self.fields["user"].queryset.filter(
                is_staff=True, is_active=True
            )

    def run_service(self, cleaned_data):
        fields = {field: cleaned_data.get(field) for field in self.Meta.fields}
        if self.instance.pk:
            return services.staff_update(staff=self.instance, changes=fields)
        login = fields.pop("user")
        return services.staff_create(login=login, **fields)


class ServiceCheckedFormSet(forms.BaseInlineFormSet):
    """Checks the rows kept, together, with the service's pure check (one place per rule)."""

    def kept_rows(self) -> list[dict]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]

    def check_rows(self, rows: list[dict]) -> None:
        raise NotImplementedError

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            self.check_rows(self.kept_rows())
        except DomainError as error:
            raise ValidationError(error.message) from error


class HoursFormSet(ServiceCheckedFormSet):
    def check_rows(self, rows):
        services.ranges_check([Range(row["weekday"], row["start"], row["end"]) for row in rows])


class ExceptionsFormSet(ServiceCheckedFormSet):
    def check_rows(self, rows):
        services.exceptions_check([(row["date"], row["start"], row["end"]) for row in rows])


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = HoursFormSet
    fields = ["weekday", "start", "end"]
    extra = 0


class ScheduleExceptionInline(admin.TabularInline):
    model = ScheduleException
    formset = ExceptionsFormSet
    fields = ["date", "start", "end"]
    extra = 0
    verbose_name_plural = "dated exceptions (no times: a day off; times: that day's only hours)"


@admin.register(Staff)
class StaffAdmin(ServiceFormAdmin, admin.ModelAdmin):
    form = StaffForm
    inlines = [WorkingHoursInline, ScheduleExceptionInline]
    list_display = ["name", "active", "colour", "user"]
    list_filter = ["active"]
    search_fields = ["name"]
    list_select_related = ["user"]

    @admin.display(description="colour", ordering="color")
    def colour(self, staff):
        # A swatch: the desk knows a stylist's column by its colour, not by a hex code.
        return format_html(
            '<span style="display:inline-block;width:2.5em;height:1em;background:{};'
            'border:1px solid #888" title="{}"></span>',
            staff.color,
            staff.name,
        )

    def save_formset(self, request, form, formset, change):
        staff = form.instance
        # The admin's history message reads what a formset's save() would have recorded.
        formset.changed_objects = []
        if formset.model is WorkingHours:
            formset.deleted_objects = list(staff.hours.all())
            formset.new_objects = services.staff_hours_set(
                staff=staff,
                ranges=[
                    Range(row["weekday"], row["start"], row["end"]) for row in formset.kept_rows()
                ],
            )
            return
        # Exceptions: a changed row is deleted and added again, after the deletions, so the
        # service sees the date as the form left it.
        removed = [
            row.instance
            for row in formset.initial_forms
            if row.instance.pk and (formset._should_delete_form(row) or row.has_changed())
        ]
        added = [
            row.cleaned_data
            for row in formset.forms
            if row.cleaned_data
            and not formset._should_delete_form(row)
            and (row.instance.pk is None or row.has_changed())
        ]
        for exception in removed:
            services.staff_exception_delete(exception=exception)
        formset.deleted_objects = removed
        formset.new_objects = [
            services.staff_exception_add(
                staff=staff, date=row["date"], start=row["start"], end=row["end"]
            )
            for row in added
        ]

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: appointments point at staff.
        return False
