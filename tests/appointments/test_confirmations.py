"""Text confirmations (R38): the scheduled job, the client's reply, and the worker (R39)."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from twilio.request_validator import RequestValidator

from appointments.booking import appointment_reschedule
from appointments.confirmations import confirmations_send_due
from appointments.models import AppointmentStatus
from appointments.services import appointment_confirm
from messaging.models import Direction, Message, MessageStatus, OptOut
from messaging.services import HELP_TEXT
from tests.appointments.factories import AppointmentFactory
from tests.clients.factories import ClientFactory

SALON = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=SALON)
TOKEN = "webhook-secret"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def consenting(db):
    return ClientFactory(first_name="Ana", phone="+12025550143", sms_consent=True)


def due(client, hours=24, **kwargs):
    return AppointmentFactory(client=client, start=NOW + timedelta(hours=hours), **kwargs)


@pytest.mark.django_db
def test_due_appointment_gets_one_confirmation_request(
    all_features, consenting, sms_outbox, django_capture_on_commit_callbacks
):  # R38
    appointment = due(consenting, hours=20, item__name="Haircut")
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmations_send_due() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmations_send_due() == 0
    assert len(sms_outbox) == 1
    assert sms_outbox[0].to == "+12025550143"
    assert sms_outbox[0].body == (
        "Salon: hi Ana, your Haircut is on Wed Mar 11 at 11:00 AM. Reply C to confirm."
    )
    message = Message.objects.get(direction=Direction.OUTBOUND)
    assert message.purpose == f"confirmation:appointment:{appointment.pk}"
    assert message.client_id == consenting.pk


@pytest.mark.django_db
def test_window_is_now_exclusive_to_now_plus_hours_inclusive(
    all_features, consenting, settings, django_capture_on_commit_callbacks, sms_outbox
):  # R38
    settings.CONFIRMATION_HOURS_BEFORE = 48
    inside = [due(consenting, hours=48), due(consenting, hours=0.05)]
    due(consenting, hours=48.01)
    AppointmentFactory(client=consenting, start=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmations_send_due() == 2
    purposes = set(Message.objects.values_list("purpose", flat=True))
    assert purposes == {f"confirmation:appointment:{a.pk}" for a in inside}


@pytest.mark.django_db
def test_only_booked_appointments_of_consenting_clients_with_a_phone(
    all_features, consenting, sms_outbox, django_capture_on_commit_callbacks
):  # R38
    due(consenting, status=AppointmentStatus.CONFIRMED)
    due(consenting, status=AppointmentStatus.CANCELLED)
    due(ClientFactory(sms_consent=False))
    due(ClientFactory(sms_consent=True, phone=None))
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmations_send_due() == 0
    assert sms_outbox == []


@pytest.mark.django_db
def test_consent_is_read_at_send_time(
    all_features, consenting, sms_outbox, django_capture_on_commit_callbacks
):  # R38
    due(consenting)
    consenting.sms_consent = False
    consenting.save()
    assert confirmations_send_due() == 0
    consenting.sms_consent = True
    consenting.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmations_send_due() == 1
    assert len(sms_outbox) == 1


@pytest.mark.django_db
def test_nothing_is_sent_without_the_text_confirmations_feature(consenting, sms_outbox):  # R38
    due(consenting)
    assert confirmations_send_due() == 0
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_an_opted_out_number_is_not_texted(
    all_features, consenting, sms_outbox, django_capture_on_commit_callbacks
):  # §1
    OptOut.objects.create(phone="+12025550143")
    due(consenting)
    with django_capture_on_commit_callbacks(execute=True):
        confirmations_send_due()
    assert sms_outbox == []
    assert Message.objects.get().status == MessageStatus.BLOCKED


@pytest.mark.django_db
def test_query_count_does_not_grow_with_appointments(
    all_features, django_assert_max_num_queries
):  # §12
    for _ in range(3):
        due(ClientFactory(sms_consent=True, phone=None))
    with django_assert_max_num_queries(3):
        confirmations_send_due()
    for _ in range(10):
        due(ClientFactory(sms_consent=True, phone=None))
    with django_assert_max_num_queries(3):
        confirmations_send_due()


@pytest.mark.django_db
def test_command_sends_due_confirmations_and_is_safe_to_rerun(
    all_features, consenting, sms_outbox, django_capture_on_commit_callbacks
):  # R40
    due(consenting)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_confirmations", stdout=out)
        call_command("send_confirmations", stdout=out)
    assert out.getvalue().splitlines() == [
        "Queued 1 confirmation request(s).",
        "Queued 0 confirmation request(s).",
    ]
    assert len(sms_outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_database_worker_sends_the_confirmation_request(all_features, settings, sms_outbox):
    """The run set-up of the README: the command queues, the db_worker sends (R39)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    consenting = ClientFactory(phone="+12025550143", sms_consent=True)
    due(consenting)
    call_command("send_confirmations", stdout=StringIO())
    assert sms_outbox == []
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert [sms.to for sms in sms_outbox] == ["+12025550143"]
    assert "Reply C to confirm" in sms_outbox[0].body


# Replies, through the real webhook (R38)


@pytest.fixture
def text_in(anonymous_api, settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_WEBHOOK_URL = ""
    counter = iter(range(1, 10_000))

    def send(body, sender="+12025550143"):
        data = {"MessageSid": f"SM{next(counter)}", "From": sender, "To": "+1", "Body": body}
        url = "http://testserver/api/v1/sms/inbound/"
        signature = RequestValidator(TOKEN).compute_signature(url, data)
        response = anonymous_api.post(url, data, HTTP_X_TWILIO_SIGNATURE=signature)
        assert response.status_code == 200
        return response.content.decode()

    return send


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["C", "c", " y ", "Yes", "CONFIRM", "confirm\n"])
def test_reply_confirms_the_earliest_upcoming_booked_appointment(consenting, text_in, word):  # R38
    AppointmentFactory(client=consenting, start=NOW - timedelta(hours=1))  # already started
    AppointmentFactory(
        client=consenting, start=NOW + timedelta(hours=2), status=AppointmentStatus.CANCELLED
    )
    later = due(consenting, hours=72)
    earliest = due(consenting, hours=20, item__name="Color")
    answer = text_in(word)
    earliest.refresh_from_db()
    later.refresh_from_db()
    assert earliest.status == AppointmentStatus.CONFIRMED
    assert later.status == AppointmentStatus.BOOKED
    assert "thanks Ana, your Color on Wed Mar 11 at 11:00 AM is confirmed" in answer
    inbound = Message.objects.get(direction=Direction.INBOUND)
    assert inbound.client_id == consenting.pk


@pytest.mark.django_db
def test_confirm_with_nothing_to_confirm_says_so(consenting, text_in):  # R38
    answer = text_in("C")
    assert "no appointment waiting" in answer


@pytest.mark.django_db
def test_stop_withdraws_consent_and_opts_the_number_out(consenting, text_in):  # R38, §1
    text_in("STOP")
    consenting.refresh_from_db()
    assert consenting.sms_consent is False
    assert OptOut.objects.filter(phone="+12025550143").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("sender", ["+12025550143", "+12025550199"], ids=["client", "unknown"])
def test_anything_else_is_logged_and_answered_with_help(consenting, text_in, sender):  # R38
    appointment = due(consenting)
    answer = text_in("Can I come at 4 instead?", sender=sender)
    assert HELP_TEXT in answer
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    inbound = Message.objects.get(direction=Direction.INBOUND)
    assert inbound.body == "Can I come at 4 instead?"


@pytest.mark.django_db
def test_a_confirmation_failure_still_answers_200(consenting, text_in, monkeypatch):
    import appointments.confirmations

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(appointments.confirmations, "appointment_confirm", broken)
    appointment = due(consenting)
    answer = text_in("C")
    assert HELP_TEXT in answer
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1


@pytest.mark.django_db
def test_a_rescheduled_appointment_is_texted_once_more_for_its_new_time(
    all_features, consenting, sms_outbox, django_capture_on_commit_callbacks
):  # R38, R42
    appointment = due(consenting, hours=20, item__name="Haircut")
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmations_send_due() == 1
    appointment_confirm(appointment=appointment)
    moved = appointment_reschedule(appointment=appointment, start=NOW + timedelta(hours=22))
    assert moved.status == AppointmentStatus.BOOKED
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmations_send_due() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert confirmations_send_due() == 0
    assert [text.body for text in sms_outbox] == [
        "Salon: hi Ana, your Haircut is on Wed Mar 11 at 11:00 AM. Reply C to confirm.",
        "Salon: hi Ana, your Haircut is on Wed Mar 11 at 1:00 PM. Reply C to confirm.",
    ]
    assert sorted(Message.objects.values_list("purpose", flat=True)) == [
        f"confirmation:appointment:{appointment.pk}",
        f"confirmation:appointment:{appointment.pk}:1",
    ]
