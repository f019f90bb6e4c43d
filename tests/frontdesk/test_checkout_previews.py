"""What the checkout screen shows while the desk types (issue #14): the change from cash
(R47) and the clients a name or phone finds (R26, R48), each a partial at one query or
none beyond the session's own four (session, user, permissions)."""

import pytest

from tests.clients.factories import ClientFactory
from tests.tickets.factories import ticket_with_lines

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SESSION_QUERIES = 4  # session, user, permissions (2)


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


@pytest.fixture
def ticket():
    return ticket_with_lines("43.10", walk_in=True)


def preview(ticket, what):
    return f"/admin/frontdesk/tickets/{ticket.pk}/checkout/{what}/"


def test_r47_the_change_due_shows_as_the_cash_is_typed_with_no_query(
    desk, ticket, django_assert_num_queries
):
    desk.get(preview(ticket, "change"))  # the session is warm
    with django_assert_num_queries(SESSION_QUERIES):
        response = desk.get(
            preview(ticket, "change"),
            {"method": "cash", "amount": "43.10", "tendered": "50.00"},
            **HTMX,
        )
    assert response.content.decode().strip() == 'Change due: <strong id="change-due">$6.90</strong>'


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ({"method": "cash", "amount": "43.10", "tendered": "40"}, "can&#x27;t be less than"),
        ({"method": "cash", "amount": "43.10", "tendered": "5e1"}, "must be an amount"),
        ({"method": "card", "amount": "43.10", "tendered": "50"}, ""),
        ({"method": "cash", "amount": "43.10", "tendered": ""}, ""),
    ],
)
def test_r47_short_cash_or_a_typo_says_so_and_other_methods_show_nothing(
    desk, ticket, typed, shown
):
    page = desk.get(preview(ticket, "change"), typed, **HTMX).content.decode().strip()
    assert (shown in page) if shown else page == ""


def test_r48_find_a_client_by_name_or_phone_in_one_query(desk, ticket, django_assert_num_queries):
    ann = ClientFactory(first_name="Ann", last_name="Lee", phone="+12025550199")
    ClientFactory(first_name="Annette", last_name="Lee", merged_into=ann)  # a merged duplicate
    desk.get(preview(ticket, "clients"))
    with django_assert_num_queries(SESSION_QUERIES + 1):
        by_name = desk.get(preview(ticket, "clients"), {"q": "ann lee"}, **HTMX)
    page = by_name.content.decode()
    assert ">Ann Lee</button>" in page and "Annette" not in page
    assert "(202) 555-0199" in page and "+1202" not in page
    by_phone = desk.get(preview(ticket, "clients"), {"q": "202.555.0199"}, **HTMX)
    assert f'name="client" value="{ann.pk}"' in by_phone.content.decode()
    nobody = desk.get(preview(ticket, "clients"), {"q": "Zed"}, **HTMX)
    assert "No client found for “Zed”" in nobody.content.decode()


def test_previews_are_for_staff_only(client, client_user, ticket):
    client.force_login(client_user)
    response = client.get(preview(ticket, "change"), {"method": "cash"})
    assert response.status_code == 302 and "/admin/login/" in response.url
