"""client_search (R26): name or phone, partial, case-insensitive, any common phone format."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clients.models import Client
from clients.selectors import client_list, client_search
from tests.clients.factories import ClientFactory

pytestmark = pytest.mark.django_db

FORMATS = [
    "({area}) 555-{line}",
    "{area}.555.{line}",
    "+1 {area} 555 {line}",
    "1-{area}-555-{line}",
    "{area}555{line}",
    "{area}.555",
    "555-{line}",
]


@settings(max_examples=20, deadline=None)
@given(
    area=st.sampled_from(["202", "312", "415", "617"]),
    line=st.integers(min_value=100, max_value=199).map(lambda n: f"0{n}"),
    shape=st.sampled_from(FORMATS),
)
def test_r26_phone_in_any_common_format_finds_the_client(area, line, shape):
    Client.objects.all().delete()
    wanted = ClientFactory(phone=f"+1{area}555{line}")
    other_line = "0200" if line != "0200" else "0201"
    ClientFactory(phone=f"+1{'213' if area != '213' else '214'}777{other_line}")
    found = list(client_search(query=shape.format(area=area, line=line)))
    assert found == [wanted]


@pytest.mark.parametrize("query", ["ann", "ANN", "nn", "lee", "Ann Lee", "ann@EXAMPLE"])
def test_r26_names_partial_and_case_insensitive(query):
    ann = ClientFactory(first_name="Ann", last_name="Lee", email="ann@example.com")
    ClientFactory(first_name="Bob", last_name="Stone", email="bob@stone.test")
    assert list(client_search(query=query)) == [ann]


def test_r26_every_word_must_match():
    ClientFactory(first_name="Ann", last_name="Stone")
    ClientFactory(first_name="Bob", last_name="Lee")
    assert list(client_search(query="ann lee")) == []


def test_r26_blank_query_returns_everyone_and_punctuation_nothing():
    ClientFactory.create_batch(3)
    assert client_search(query="  ").count() == 3
    assert client_search(query="()-").count() == 0


def test_r26_national_number_with_trunk_prefix(settings):
    settings.PHONENUMBER_DEFAULT_REGION = "GB"
    uk = ClientFactory(phone="+447911123456")
    assert list(client_search(query="07911 123456")) == [uk]


def test_r26_search_is_one_query(django_assert_num_queries):
    ClientFactory.create_batch(5, first_name="Ann")
    with django_assert_num_queries(1):
        assert len(list(client_search(query="ann"))) == 5
    with django_assert_num_queries(2):  # the clients and their profile photos
        assert len(list(client_list(search="ann"))) == 5
