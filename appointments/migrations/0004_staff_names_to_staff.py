"""R41: the free-text staff names of appointments become staff rows, one per name (trimmed,
inner spaces collapsed, compared case-insensitively; the first spelling met by appointment
id is kept), and each appointment is linked to its row."""

from django.db import migrations


def names_to_staff(apps, schema_editor):
    Appointment = apps.get_model("appointments", "Appointment")
    Staff = apps.get_model("staff", "Staff")
    staff_by_key = {staff.name.casefold(): staff for staff in Staff.objects.all()}
    named = Appointment.objects.exclude(staff_name="").order_by("pk").values_list("pk", "staff_name")
    ids_by_key: dict[str, list[int]] = {}
    for pk, raw_name in named.iterator():
        name = " ".join(raw_name.split())
        if not name:
            continue
        key = name.casefold()
        if key not in staff_by_key:
            staff_by_key[key] = Staff.objects.create(name=name[:100])
        ids_by_key.setdefault(key, []).append(pk)
    for key, ids in ids_by_key.items():
        Appointment.objects.filter(pk__in=ids).update(staff=staff_by_key[key])


def staff_to_names(apps, schema_editor):
    Appointment = apps.get_model("appointments", "Appointment")
    for appointment in Appointment.objects.filter(staff__isnull=False).select_related("staff"):
        Appointment.objects.filter(pk=appointment.pk).update(staff_name=appointment.staff.name)


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0003_appointment_staff"),
        ("staff", "0001_initial"),
    ]

    operations = [migrations.RunPython(names_to_staff, staff_to_names)]
