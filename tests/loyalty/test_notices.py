"""Expiry reminders (R55) and monthly statements (R56): who is told, how, what, and once."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

import messaging
from clients.services import client_merge
from loyalty.adjustments import points_adjust
from loyalty.models import LoyaltySettings, PointsNotice
from loyalty.notices import notices_due, reminder_text
from loyalty.selectors import loyalty_settings_get
from salon.models import Features
from tests.clients.factories import ClientFactory

pytestmark = pytest.mark.django_db

SALON = ZoneInfo("America/New_York")


def local(year, month, day, hour=9):
    return datetime(year, month, day, hour, tzinfo=SALON)


def settings_set(**values):
    loyalty_settings_get()
    LoyaltySettings.objects.filter(pk=1).update(**values)


@pytest.fixture
def ann(manager, time_machine):
    """Ann consents to texts and has 600 points ($6.00) expiring on 31 December."""
    time_machine.move_to(local(2026, 11, 1), tick=False)
    ann = ClientFactory(first_name="Ann", phone="+14155550101", sms_consent=True)
    points_adjust(client=ann, points=600, reason="x", user=manager, expires_on=date(2026, 12, 31))
    settings_set(expiry_reminder_days=[30, 7])
    return ann


def test_r55_reminder_text_names_points_value_and_date():
    assert reminder_text(first_name="Ann", points=600, expires_on=date(2026, 12, 31)) == (
        "Hi Ann, 600 points ($6.00) expire on 31 Dec. Book a visit to use them before then."
    )


def test_r55_texted_30_and_7_days_before_once_each(
    ann, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(local(2026, 11, 30), tick=False)  # 31 days before: nothing
    assert notices_due() == []
    time_machine.move_to(local(2026, 12, 1), tick=False)  # 30 days before
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_points_reminders")
        call_command("send_points_reminders")
    assert [text.body for text in messaging.outbox] == [
        "Hi Ann, 600 points ($6.00) expire on 31 Dec. Book a visit to use them before then."
    ]
    assert messaging.outbox[0].to == "+14155550101"
    time_machine.move_to(local(2026, 12, 24), tick=False)  # 7 days before
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_points_reminders")
    assert len(messaging.outbox) == 2
    assert PointsNotice.objects.count() == 2


def test_r55_e_mail_without_consent_only_with_automated_e_mail(
    ann, time_machine, django_capture_on_commit_callbacks
):
    ann.sms_consent = False
    ann.save()
    Features.objects.filter(pk=1).update(automated_email_marketing=False)
    time_machine.move_to(local(2026, 12, 1), tick=False)
    assert notices_due() == []
    Features.objects.filter(pk=1).update(automated_email_marketing=True)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_points_reminders")
    assert [message.to for message in mail.outbox] == [[ann.email]]
    assert "600 points ($6.00) expire on 31 Dec" in mail.outbox[0].body
    assert messaging.outbox == []


def test_r55_never_while_rewards_off_nor_to_tombstones(ann, manager, time_machine):
    time_machine.move_to(local(2026, 12, 1), tick=False)
    Features.objects.filter(pk=1).update(rewards_referrals=False)
    assert notices_due() == []
    Features.objects.filter(pk=1).update(rewards_referrals=True)
    survivor = ClientFactory(first_name="Bea", phone="+14155550102", sms_consent=True)
    client_merge(survivor=survivor, duplicate=ann, user=manager)
    # The points moved with their date (R53): the survivor is told, the tombstone never.
    assert [notice.client for notice in notices_due()] == [survivor]


def test_r56_statement_on_the_1st_once_per_month(
    ann, time_machine, django_capture_on_commit_callbacks
):
    settings_set(monthly_statements=True, expiry_reminder_days=[])
    time_machine.move_to(local(2026, 12, 1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_points_reminders")
        call_command("send_points_reminders")
    assert [text.body for text in messaging.outbox] == [
        "Hi Ann, your points for November 2026: 600 redeemable ($6.00), 0 pending. Last month "
        "you earned 600, redeemed 0 and 0 expired. Next expiry: 600 points on 31 Dec."
    ]
    time_machine.move_to(local(2026, 12, 2), tick=False)
    assert notices_due() == []


def test_r55_r56_manager_previews_the_next_run(ann, time_machine, manager, client):
    time_machine.move_to(local(2026, 12, 1), tick=False)
    client.force_login(manager)
    page = client.get("/admin/loyalty/loyaltysettings/notices/").content.decode()
    assert "Hi Ann, 600 points ($6.00) expire on 31 Dec." in page
    assert "+1415" not in page  # no E.164 phones on screens
    assert messaging.outbox == []


def test_r55_a_reminder_names_the_points_a_debt_leaves(
    manager, time_machine, django_capture_on_commit_callbacks
):
    """Ann owes 200 points when 600 expiring on 31 December are added: the debt is paid
    from them at the next run (R52), so she is told of 400, whichever job runs first."""
    time_machine.move_to(local(2026, 11, 1), tick=False)
    ann = ClientFactory(first_name="Ann", phone="+14155550101", sms_consent=True)
    points_adjust(client=ann, points=-200, reason="owed", user=manager)
    points_adjust(client=ann, points=600, reason="x", user=manager, expires_on=date(2026, 12, 31))
    settings_set(expiry_reminder_days=[30])
    time_machine.move_to(local(2026, 12, 1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_points_reminders")
    assert [text.body for text in messaging.outbox] == [
        "Hi Ann, 400 points ($4.00) expire on 31 Dec. Book a visit to use them before then."
    ]
