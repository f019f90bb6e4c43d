from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from appointments.models import Appointment
from catalog.models import TaxRate
from clients.models import Client
from loyalty.rewards_box import client_points_balance
from loyalty.selectors import ledger_disagreements
from salon.selectors import salon_settings_get
from staff.models import ScheduleException, Staff, WorkingHours
from tickets.models import Ticket
from tickets.selectors import ticket_list_with_totals


def test_seed_demo_loads_once_and_earns_by_the_seeds_examples(settings, db):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)  # idempotent: nothing loaded twice

    assert Client.objects.count() == 6
    assert Ticket.objects.filter(status="closed").count() == 4
    alice = Client.objects.get(email="alice.moreno@example.com")
    # R4: $250 of services at 2 points per $1 = 500; first visit 100; as Ben's referrer
    # 5 for his $100 spa day (R6) and 250 for referring a new client; all past the hold.
    assert client_points_balance(client=alice).redeemable == 855
    assert ledger_disagreements() == []
    manager = User.objects.get(username="manager")
    assert manager.check_password("salon-manager-demo")
    assert manager.has_perm("loyalty.change_earningrule")
    assert not User.objects.get(username="frontdesk").has_perm("loyalty.change_earningrule")
    # R41, R42: three stylists with their weeks, Rita's day off, appointments assigned.
    assert list(Staff.objects.values_list("name", flat=True)) == ["Jo", "Rita", "Sam"]
    assert WorkingHours.objects.filter(staff__name="Jo").count() == 7
    assert ScheduleException.objects.filter(staff__name="Rita", start__isnull=True).count() == 1
    assert Appointment.objects.filter(staff__isnull=True).count() == 0
    assert Appointment.objects.filter(source="app").count() == 1


def test_seed_demo_shows_the_checkout(settings, db):  # #13: R43-R50
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assert salon_settings_get().name == "Velvet Salon"
    assert TaxRate.objects.get().percent == Decimal("8.875")
    visit = ticket_list_with_totals().get(
        client__email="emma.wilson@example.com", tips__isnull=False
    )
    assert (visit.tax_amount, visit.tips_amount, visit.total_amount) == (
        Decimal("2.13"), Decimal("9.00"), Decimal("80.13"),
    )  # fmt: skip
    assert visit.payments.get().change == Decimal("19.87")


def test_seed_demo_refuses_a_production_database(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="published passwords"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.filter(username="manager").exists()
