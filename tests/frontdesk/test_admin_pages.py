"""The front desk in admin: Client Log page (R28), dashboard, today's appointments, opening
tickets, the payment area with Redeem (R19-R21), the merge page's balances (R17), roles
(§10) and bounded query counts (SPEC §12)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.html import escape

from appointments.models import AppointmentStatus
from clients.merge import client_merge
from loyalty.actions import Action
from loyalty.adjustments import points_adjust
from loyalty.redemption import points_redeem
from messaging.models import Direction, Message, MessageStatus
from tests.appointments.factories import AppointmentFactory
from tests.clients.factories import ClientFactory
from tests.frontdesk.factories import history
from tests.loyalty.factories import rule_set
from tests.tickets.factories import closed_ticket, service_item, ticket_with_lines
from tickets.lines import ticket_add_line
from tickets.models import Ticket, TicketLine, TicketStatus
from tickets.payments import payment_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


@pytest.fixture
def boss(client, manager):
    client.force_login(manager)
    return client


def log_page(client_id):
    return f"/admin/frontdesk/clients/{client_id}/log/"


# --- Client Log page (R28) ------------------------------------------------------------------


def test_r28_client_page_links_to_the_client_log(desk, customer):
    page = desk.get(f"/admin/clients/client/{customer.pk}/change/").content.decode()
    assert f'href="{log_page(customer.pk)}"' in page


def test_r28_client_log_page_shows_rewards_and_timeline(desk, customer, manager):
    points_adjust(client=customer, points=750, reason="Welcome gift", user=manager)
    ticket = closed_ticket("60.00", client=customer)
    appointment = AppointmentFactory(client=customer, item=service_item(name="Balayage"))
    text = Message.objects.create(
        client=customer,
        direction=Direction.INBOUND,
        from_number=str(customer.phone),
        to_number="+12025550000",
        body="<b>C</b>",
        status=MessageStatus.RECEIVED,
    )
    response = desk.get(log_page(customer.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'/admin/appointments/appointment/{appointment.pk}/change/">Balayage appointment' in page
    assert f'/admin/messaging/message/{text.pk}/change/">Text from client: &lt;b&gt;C' in page
    assert '<span class="redeemable-points">750</span>' in page
    assert "$7.50" in page
    assert f"Ticket #{ticket.pk}: closed, total $60.00" in page
    assert "+750 points: manual adjustment (Welcome gift)" in page


@pytest.mark.parametrize("rows", [10, 200])
def test_r28_client_log_page_queries_are_constant(
    desk, customer, rows, django_assert_max_num_queries
):
    history(customer, rows)
    with django_assert_max_num_queries(20):
        response = desk.get(log_page(customer.pk))
    assert response.status_code == 200


def test_r28_client_log_page_pages_back_to_the_first_event(desk, customer, settings):
    settings.TIME_ZONE = "Europe/Paris"  # a "+01:00" offset must survive the link's query
    history(customer, 20)  # 80 events: two pages of 50 and 30
    first = desk.get(log_page(customer.pk))
    older_link = first.context["log"].next_before
    page = first.content.decode()
    assert 'id="older-events"' in page
    href = page.split('id="older-events" href="')[1].split('"')[0].replace("&amp;", "&")
    second = desk.get(log_page(customer.pk) + href)
    assert second.context["paged"] is True
    assert all(event.at < older_link for event in second.context["log"].timeline)
    assert len(first.context["log"].timeline) + len(second.context["log"].timeline) == 80
    assert 'id="older-events"' not in second.content.decode()


def test_client_log_page_404s_an_unknown_client(desk):
    assert desk.get(log_page(999999)).status_code == 404


def test_client_log_page_sends_others_to_admins_login(client, customer, client_user):
    assert client.get(log_page(customer.pk)).status_code == 302
    client.force_login(client_user)  # a client-app user is not staff
    response = client.get(log_page(customer.pk))
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


# --- query counts of the pages the desk lives in (SPEC §12) ---------------------------------


@pytest.mark.parametrize("rows", [10, 200])
def test_client_changelist_queries_are_constant(desk, rows, django_assert_max_num_queries):
    for _ in range(rows):
        history(ClientFactory(), 1)
    with django_assert_max_num_queries(6):
        response = desk.get("/admin/clients/client/")
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [10, 200])
def test_ticket_change_page_queries_are_constant(
    desk, customer, rows, django_assert_max_num_queries
):
    history(customer, rows)
    ticket = ticket_with_lines(client=customer)
    item = service_item("5.00")
    TicketLine.objects.bulk_create(
        [
            TicketLine(ticket=ticket, item=item, unit_price=item.price, net_amount=item.price)
            for _ in range(rows)
        ]
    )
    # 18: the staff list for lines and tips (R41) and the tips (R45) added two
    with django_assert_max_num_queries(18):
        response = desk.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert response.status_code == 200
    assert f"${Decimal('5.00') * rows}" in response.content.decode()


# --- the payment area and Redeem (R19-R21) -----------------------------------------------


def test_r21_payment_area_offers_the_most_points_usable_now(desk, customer, manager):
    points_adjust(client=customer, points=9000, reason="Loyal client", user=manager)
    ticket = ticket_with_lines("40.00", client=customer)
    page = desk.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert 'id="collect-payment"' in page
    # Points must stay strictly below the $40.00 total: 3999 at most (R21).
    assert '<span id="usable-points">3999</span>' in page
    assert f"/admin/loyalty/pointsentry/redeem/{ticket.pk}/?points=3999" in page
    redeem_page = desk.get(f"/admin/loyalty/pointsentry/redeem/{ticket.pk}/?points=3999")
    assert 'value="3999"' in redeem_page.content.decode()


def test_r20_payment_area_says_why_the_client_cannot_redeem(desk, customer, manager):
    points_adjust(client=customer, points=300, reason="Small gift", user=manager)
    ticket = ticket_with_lines("40.00", client=customer)
    page = desk.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert "Can redeem once the redeemable balance reaches $5.00 (500 points)." in page
    assert 'id="usable-points"' not in page
    assert 'id="redeem-button"' not in page


def test_payment_area_usable_points_capped_by_balance_due(desk, customer, manager):
    points_adjust(client=customer, points=9000, reason="Loyal client", user=manager)
    ticket = ticket_with_lines("40.00", client=customer)
    payment_add(ticket=ticket, method="cash", amount=Decimal("30.00"))
    page = desk.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert '<span id="usable-points">1000</span>' in page


# --- opening tickets and today's appointments ------------------------------------------


def test_open_walk_in_ticket_from_the_dashboard(desk):
    response = desk.post("/admin/frontdesk/open-ticket/")
    ticket = Ticket.objects.get()
    assert ticket.client is None and ticket.status == TicketStatus.OPEN
    assert response.url == f"/admin/frontdesk/tickets/{ticket.pk}/checkout/"


def test_open_ticket_from_an_appointment_links_both(desk):
    appointment = AppointmentFactory(start=timezone.now() + timedelta(hours=1))
    desk.post("/admin/frontdesk/open-ticket/", {"appointment": appointment.pk})
    ticket = Ticket.objects.get()
    assert (ticket.client_id, ticket.appointment_id) == (appointment.client_id, appointment.pk)


def test_open_ticket_for_a_tombstone_is_refused(desk, customer, manager):
    survivor = ClientFactory()
    client_merge(survivor=survivor, duplicate=customer, user=manager)
    response = desk.post(
        "/admin/frontdesk/open-ticket/", {"client": customer.pk, "next": "/admin/"}
    )
    assert response.url == "/admin/"
    assert not Ticket.objects.exists()


def test_open_ticket_only_by_post(desk):
    assert desk.get("/admin/frontdesk/open-ticket/").status_code == 405


def test_day_sheet_moves_confirm_and_check_in_at_once(desk, time_machine):
    now = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    time_machine.move_to(now, tick=False)
    first, second = (AppointmentFactory(start=now + timedelta(hours=hours)) for hours in (1, 2))
    desk.post(f"/admin/frontdesk/appointments/{first.pk}/confirm/")
    response = desk.post(f"/admin/frontdesk/appointments/{second.pk}/check-in/")
    assert response.url == f"/admin/?day={now.date().isoformat()}#appointment-{second.pk}"
    first.refresh_from_db()
    second.refresh_from_db()
    assert [first.status, second.status] == [
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.ARRIVED,
    ]
    assert desk.get(f"/admin/frontdesk/appointments/{first.pk}/check-in/").status_code == 405


def test_day_sheet_cancel_asks_first(desk, time_machine):
    now = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    time_machine.move_to(now, tick=False)
    appointment = AppointmentFactory(start=now + timedelta(hours=3), item__name="Haircut")
    question = desk.get(f"/admin/frontdesk/appointments/{appointment.pk}/cancel/")
    page = question.content.decode()
    assert f"Cancel {escape(appointment.client)}'s Haircut on" in page
    assert "at 12:00 PM?" in page  # the salon's time, not UTC's
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    desk.post(f"/admin/frontdesk/appointments/{appointment.pk}/cancel/")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    response = desk.post(f"/admin/frontdesk/appointments/{appointment.pk}/confirm/", follow=True)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert "error" in [message.level_tag for message in response.context["messages"]]


def test_day_sheet_no_show_before_the_start_is_refused(desk, time_machine):
    now = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    time_machine.move_to(now, tick=False)
    appointment = AppointmentFactory(start=now + timedelta(hours=1))
    response = desk.post(f"/admin/frontdesk/appointments/{appointment.pk}/no-show/", follow=True)
    assert "hasn&#x27;t started" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    time_machine.shift(timedelta(hours=2))
    desk.post(f"/admin/frontdesk/appointments/{appointment.pk}/no-show/")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW


def test_day_sheet_unknown_move_is_404(desk):
    appointment = AppointmentFactory()
    assert desk.post(f"/admin/frontdesk/appointments/{appointment.pk}/explode/").status_code == 404


# --- roles (§10) ---------------------------------------------------------------------------


CONFIG_URLS = [
    "/admin/loyalty/earningrule/",
    "/admin/loyalty/loyaltysettings/1/change/",
    "/admin/salon/features/1/change/",
    "/admin/loyalty/pointsentry/adjust/",
]


@pytest.mark.parametrize("url", CONFIG_URLS)
def test_front_desk_gets_403_on_configuration_and_adjustment(desk, url):
    assert desk.get(url).status_code == 403


@pytest.mark.parametrize("url", CONFIG_URLS)
def test_manager_opens_configuration_and_adjustment(boss, url):
    assert boss.get(url, follow=True).status_code == 200


def test_front_desk_menu_and_actions_hide_configuration_and_merge(desk, customer):
    index = desk.get("/admin/").content.decode()
    for hidden in ("/admin/loyalty/earningrule/", "/admin/salon/features/", "adjust/"):
        assert hidden not in index
    assert "Walk-in: open a ticket" in index
    changelist = desk.get("/admin/clients/client/").content.decode()
    assert "merge_clients" not in changelist
    client_page = desk.get(f"/admin/clients/client/{customer.pk}/change/").content.decode()
    assert "Adjust points" not in client_page


def test_manager_menu_shows_configuration_and_merge(boss, customer):
    index = boss.get("/admin/").content.decode()
    for shown in ("/admin/loyalty/earningrule/", "/admin/salon/features/", "adjust/"):
        assert shown in index
    assert "merge_clients" in boss.get("/admin/clients/client/").content.decode()


# --- dashboard and look --------------------------------------------------------------------


def test_manager_dashboard_figures(boss, customer, manager, time_machine):
    now = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    time_machine.move_to(now, tick=False)
    rule_set(Action.SERVICE_PURCHASE, points=2, spend_unit=Decimal("1.00"))
    closed_ticket("100.00", client=customer)  # +200 earned this week
    points_adjust(client=customer, points=800, reason="Gift", user=manager)
    time_machine.shift(timedelta(hours=1))
    ticket = ticket_with_lines("50.00", client=customer)
    points_redeem(ticket=ticket, points=600, user=manager)
    ticket_with_lines(walk_in=True)
    AppointmentFactory(start=timezone.now() + timedelta(hours=2))
    AppointmentFactory(
        start=timezone.now() + timedelta(hours=3), status=AppointmentStatus.CANCELLED
    )
    page = boss.get("/admin/frontdesk/manager/").content.decode()
    assert '<p class="figure-number" id="figure-appointments">1</p>' in page
    assert '<p class="figure-number" id="figure-open-tickets">2</p>' in page
    assert '<p class="figure-number" id="figure-issued">200</p>' in page
    assert '<p class="figure-number" id="figure-redeemed">600</p>' in page
    # 200 + 800 - 600 = 400 points held: $4.00
    assert '<p class="figure-number" id="figure-liability">$4.00</p>' in page
    home = boss.get("/admin/").content.decode()
    assert "<title>Front desk | Salon admin</title>" in home
    assert ">Salon</a>" in home
    assert 'href="/admin/frontdesk/manager/"' in home


def test_manager_dashboard_is_for_managers(desk):
    assert desk.get("/admin/frontdesk/manager/").status_code == 403
    assert 'href="/admin/frontdesk/manager/"' not in desk.get("/admin/").content.decode()


@pytest.mark.parametrize("rows", [3, 60])
def test_manager_dashboard_queries_are_constant(boss, rows, django_assert_max_num_queries):
    now = timezone.now()
    for hours in range(rows):
        AppointmentFactory(start=now + timedelta(minutes=hours))
        ticket_add_line(ticket=ticket_with_lines(walk_in=True), item=service_item("10.00"))
    with django_assert_max_num_queries(11):
        assert boss.get("/admin/frontdesk/manager/").status_code == 200


# --- merge page (R17) --------------------------------------------------------------------


def test_r17_merge_confirmation_shows_both_balances(boss, manager):
    keep, duplicate = ClientFactory(), ClientFactory()
    points_adjust(client=keep, points=1200, reason="Gift", user=manager)
    points_adjust(client=duplicate, points=300, reason="Gift", user=manager)
    response = boss.post(
        "/admin/clients/client/",
        {"action": "merge_clients", "_selected_action": [keep.pk, duplicate.pk]},
    )
    page = response.content.decode()
    assert "0 pending · 1200 redeemable ($12.00)" in page
    assert "0 pending · 300 redeemable ($3.00)" in page


def test_r17_front_desk_posting_the_merge_action_merges_nothing(desk):
    """§10: the action isn't offered to the desk; posting it anyway changes nothing."""
    keep, duplicate = ClientFactory(), ClientFactory()
    desk.post(
        "/admin/clients/client/",
        {
            "action": "merge_clients",
            "_selected_action": [keep.pk, duplicate.pk],
            "post": "yes",
            "survivor": keep.pk,
        },
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
