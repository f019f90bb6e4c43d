"""Birthday points (R63): on the day, once per calendar year, a closed ticket needed,
29 February on the 28th in other years, redeemable at once, a text when consenting."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from catalog.models import ItemKind
from loyalty.birthdays import birthdays_award
from loyalty.models import EntryKind, LoyaltySettings, PointsEntry
from loyalty.rewards_box import client_points_balance
from messaging.models import Message
from salon.models import Features
from tests.clients.factories import ClientFactory
from tests.loyalty.factories import closed_ticket, ticket_void

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo("America/New_York")


def on(year, month, day, hour=9):
    return datetime(year, month, day, hour, tzinfo=LOCAL)


@pytest.fixture(autouse=True)
def birthday_points_500(db):
    LoyaltySettings.objects.update_or_create(pk=1, defaults={"birthday_points": 500})


def visited(birthday, **kwargs):
    client = ClientFactory(birthday=birthday, **kwargs)
    closed_ticket(customer=client, lines=[(ItemKind.SERVICE, Decimal("10.00"))])
    return client


def test_r63_29_february_awards_on_28_february_2027_once(time_machine):
    leapling = visited(date(2000, 2, 29))
    time_machine.move_to(on(2027, 2, 27), tick=False)
    assert birthdays_award() == []
    time_machine.move_to(on(2027, 2, 28), tick=False)
    [entry] = birthdays_award()
    assert (entry.client, entry.points, entry.kind) == (leapling, 500, EntryKind.BIRTHDAY)
    assert birthdays_award() == []
    time_machine.move_to(on(2027, 3, 1), tick=False)
    assert birthdays_award() == []
    assert PointsEntry.objects.filter(kind=EntryKind.BIRTHDAY).count() == 1


def test_r63_in_a_leap_year_29_february_waits_for_the_29th(time_machine):
    leapling = visited(date(2000, 2, 29))
    time_machine.move_to(on(2028, 2, 28), tick=False)
    assert birthdays_award() == []
    time_machine.move_to(on(2028, 2, 29), tick=False)
    assert [entry.client for entry in birthdays_award()] == [leapling]


def test_r63_redeemable_at_once_and_texted_with_consent(
    time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(on(2026, 7, 4), tick=False)
    ann = visited(date(1990, 7, 4), first_name="Ann", sms_consent=True, phone="+12025550142")
    with django_capture_on_commit_callbacks(execute=False):
        call_command("award_birthdays")
    assert client_points_balance(client=ann).redeemable == 500
    text = Message.objects.get(client=ann)
    assert text.body == "Happy birthday, Ann! 500 points ($5.00) are waiting for you."


def test_r63_no_text_without_consent_once_per_calendar_year(time_machine):
    time_machine.move_to(on(2026, 7, 4), tick=False)
    ben = visited(date(1990, 7, 4), sms_consent=False, phone="+12025550143")
    assert len(birthdays_award()) == 1
    assert not Message.objects.filter(client=ben).exists()
    time_machine.move_to(on(2027, 7, 4), tick=False)
    assert len(birthdays_award()) == 1  # a new year, a new birthday
    assert client_points_balance(client=ben).redeemable == 1000


def test_r63_not_without_a_closed_ticket_tombstones_or_with_the_feature_off(time_machine):
    time_machine.move_to(on(2026, 7, 4), tick=False)
    ClientFactory(birthday=date(1990, 7, 4))  # never visited
    voided_only = ClientFactory(birthday=date(1990, 7, 4))
    ticket_void(closed_ticket(customer=voided_only, lines=[(ItemKind.SERVICE, Decimal("10.00"))]))
    survivor = ClientFactory()
    duplicate = visited(date(1990, 7, 4))
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into"])
    assert birthdays_award() == []
    visited(date(1990, 7, 4))
    Features.objects.update_or_create(pk=1, defaults={"rewards_referrals": False})
    assert birthdays_award() == []
    Features.objects.filter(pk=1).update(rewards_referrals=True)
    LoyaltySettings.objects.filter(pk=1).update(birthday_points=0)
    assert birthdays_award() == []
