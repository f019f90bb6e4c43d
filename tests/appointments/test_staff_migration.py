"""R41: the data migration turns the appointments' free-text staff names into staff rows."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("appointments", "0003_appointment_staff"),
    ("staff", "0001_initial"),
    ("catalog", "0001_initial"),
]
AFTER = [("appointments", "0004_staff_names_to_staff")]


@pytest.mark.django_db(transaction=True)
def test_r41_same_names_become_one_staff_row_each():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    client = old.get_model("clients", "Client").objects.create(first_name="Ann", last_name="Lee")
    item = old.get_model("catalog", "Item").objects.create(
        name="Haircut", kind="service", price="100.00"
    )
    Appointment = old.get_model("appointments", "Appointment")
    names = ["Sam", " sam ", "Rita", "", "SAM", "Rita  Jones", "rita jones"]
    for name in names:
        Appointment.objects.create(
            client=client, item=item, start=datetime(2026, 3, 10, 15, tzinfo=UTC), staff_name=name
        )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Staff = new.get_model("staff", "Staff")
    assert sorted(Staff.objects.values_list("name", flat=True)) == ["Rita", "Rita Jones", "Sam"]
    linked = new.get_model("appointments", "Appointment").objects.order_by("pk")
    assert [row.staff.name if row.staff else None for row in linked] == [
        "Sam",
        "Sam",
        "Rita",
        None,
        "Sam",
        "Rita Jones",
        "Rita Jones",
    ]
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
