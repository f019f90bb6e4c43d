"""Row locks that keep R27's limit and R17's merge safe under concurrent requests
(PostgreSQL only: SQLite serialises writers, so it can't show the race)."""

import pytest
from django.db import connection

from clients.merge import client_merge
from clients.models import Client
from clients.services import client_create
from clients.uploads import client_file_upload
from salon.errors import DomainError
from tests.accounts.factories import ManagerFactory
from tests.clients.factories import ClientFactory, upload
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")


def test_r27_two_concurrent_uploads_cant_make_a_21st_file(photos_on, settings):
    customer = ClientFactory()
    for _ in range(settings.CLIENT_UPLOAD_MAX_FILES - 1):
        client_file_upload(client=customer, uploaded_file=upload())
    outcomes = run_together(
        lambda: client_file_upload(client=customer, uploaded_file=upload("a.png")),
        lambda: client_file_upload(client=customer, uploaded_file=upload("b.png")),
    )
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], DomainError)
    assert customer.files.count() == settings.CLIENT_UPLOAD_MAX_FILES


def test_r17_crossed_concurrent_merges_one_wins_no_deadlock():
    manager = ManagerFactory()
    first, second = ClientFactory(), ClientFactory()
    outcomes = run_together(
        lambda: client_merge(survivor=first, duplicate=second, user=manager),
        lambda: client_merge(survivor=second, duplicate=first, user=manager),
    )
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], DomainError)
    tombstones = Client.objects.filter(merged_into__isnull=False)
    assert tombstones.count() == 1


def test_r24_two_concurrent_creates_with_one_phone_one_gets_a_clear_400():
    outcomes = run_together(
        lambda: client_create(first_name="Ann", last_name="Lee", phone="202-555-0142"),
        lambda: client_create(first_name="Ann", last_name="Lea", phone="(202) 555-0142"),
    )
    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], DomainError)
    assert errors[0].field == "phone"
    assert Client.objects.filter(phone="+12025550142").count() == 1
