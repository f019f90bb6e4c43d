"""A redemption that needs a code texted to the client (R57): 6 digits, 10 minutes, 5
tries, used once; each refusal with its code."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

import messaging
from catalog.models import ItemKind
from loyalty.adjustments import points_adjust
from loyalty.models import LoyaltySettings, PointsEntry
from loyalty.otp import redemption_code_send
from loyalty.redemption import points_redeem
from loyalty.selectors import loyalty_settings_get
from salon.errors import DomainError
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory
from tickets.lifecycle import ticket_open
from tickets.lines import ticket_add_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(manager):
    loyalty_settings_get()
    LoyaltySettings.objects.filter(pk=1).update(redemption_otp=True)
    ann = ClientFactory(first_name="Ann", phone="+14155550101", sms_consent=True)
    points_adjust(client=ann, points=1000, reason="x", user=manager)
    ticket = ticket_open(client=ann)
    ticket_add_line(ticket=ticket, item=ItemFactory(kind=ItemKind.SERVICE, price=Decimal("50.00")))
    return ticket


def texted_code(django_capture_on_commit_callbacks, ticket):
    with django_capture_on_commit_callbacks(execute=True):
        redemption_code_send(ticket=ticket)
    return re.search(r"\b(\d{6})\b", messaging.outbox[-1].body).group(1)


def refused(ticket, user, **kwargs):
    with pytest.raises(DomainError) as refusal:
        points_redeem(ticket=ticket, points=500, user=user, **kwargs)
    return refusal.value.code


def test_r57_no_code_no_redemption(ticket, front_desk):
    assert refused(ticket, front_desk) == "otp_required"
    assert not PointsEntry.objects.filter(kind="redeem").exists()


def test_r57_the_texted_code_works_once(ticket, front_desk, django_capture_on_commit_callbacks):
    code = texted_code(django_capture_on_commit_callbacks, ticket)
    assert messaging.outbox[-1].to == "+14155550101"
    points_redeem(ticket=ticket, points=500, user=front_desk, code=code)
    assert refused(ticket, front_desk, code=code) == "otp_invalid"


def test_r57_five_wrong_tries_kill_the_code(ticket, front_desk, django_capture_on_commit_callbacks):
    code = texted_code(django_capture_on_commit_callbacks, ticket)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert refused(ticket, front_desk, code=wrong) == "otp_invalid"
    assert refused(ticket, front_desk, code=code) == "otp_invalid"


def test_r57_a_code_lasts_10_minutes(
    ticket, front_desk, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-03-01 15:00:00+00:00", tick=False)
    code = texted_code(django_capture_on_commit_callbacks, ticket)
    time_machine.shift(timedelta(minutes=10))
    assert refused(ticket, front_desk, code=code) == "otp_invalid"


def test_r57_a_refused_redemption_leaves_the_code_usable(
    ticket, front_desk, django_capture_on_commit_callbacks
):
    code = texted_code(django_capture_on_commit_callbacks, ticket)
    with pytest.raises(DomainError) as refusal:
        points_redeem(ticket=ticket, points=5000, user=front_desk, code=code)  # too many
    assert refusal.value.code == "exceeds_ticket_total"
    points_redeem(ticket=ticket, points=500, user=front_desk, code=code)


def test_r57_code_api(front_desk_api, ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = front_desk_api.post(f"/api/v1/tickets/{ticket.pk}/redeem/code/")
    assert response.status_code == 202
    code = re.search(r"\b(\d{6})\b", messaging.outbox[-1].body).group(1)
    response = front_desk_api.post(
        f"/api/v1/tickets/{ticket.pk}/redeem/", {"points": 500}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "otp_required")
    response = front_desk_api.post(
        f"/api/v1/tickets/{ticket.pk}/redeem/", {"points": 500, "code": code}, format="json"
    )
    assert response.status_code == 201


def test_r57_no_code_to_a_client_without_consent(ticket):
    ticket.client.sms_consent = False
    ticket.client.save()
    with pytest.raises(DomainError) as refusal:
        redemption_code_send(ticket=ticket)
    assert refusal.value.code == "no_sms_consent"
