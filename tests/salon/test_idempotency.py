"""Idempotency-Key (SPEC §11): replay, 422 on another body, 409 while running, retention.

The views below exist only for these tests (this module is their URLconf): each POST
creates one catalog Item, so "no second effect" is counted in rows.
"""

import contextlib
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from rest_framework import permissions, routers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from catalog.models import Item, ItemKind
from salon.api.idempotency import IdempotentMixin, request_fingerprint
from salon.errors import Conflict, DomainError
from salon.models import IdempotencyRecord, IdempotencyStatus
from salon.services import (
    idempotency_key_claim,
    idempotency_key_complete,
    idempotency_records_purge,
)
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.urls(__name__)

# Lets a concurrency test hold a request in the middle of its work, without sleeping.
started = threading.Event()
proceed = threading.Event()
# What the on_commit callbacks of the "on-commit" request saw.
committed: list = []


def create_item(data) -> Item:
    price = Decimal(str(data.get("price", "10.00")))
    if price < 0:
        raise DomainError("Price can't be negative.", field="price")
    return Item.objects.create(name=data.get("name", "Item"), kind=ItemKind.SERVICE, price=price)


class ItemCreateView(IdempotentMixin, APIView):
    def post(self, request):
        item = create_item(request.data)
        name = request.data.get("name")
        if name == "server-error":
            return Response({"detail": "broken"}, status=500)
        if name == "crash":
            raise RuntimeError("crash after the write")
        if name == "taken-over":
            # What a retry after IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS does to our claim.
            IdempotencyRecord.objects.all().delete()
        if name == "refused-without-savepoint":
            # A service that joins the caller's transaction without a savepoint (as
            # loyalty.adjustments does) and refuses after writing.
            with transaction.atomic(savepoint=False):
                Item.objects.create(name="written, then refused", kind=ItemKind.SERVICE, price=1)
                raise DomainError("Refused after a write.", field="name")
        if name == "deferred-violation":
            # A write whose deferred foreign key only fails at COMMIT.
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO salon_idempotencyrecord (user_id, method, path, key, "
                    "fingerprint, status, created_at) VALUES (%s, 'POST', '/x/', 'x', '', "
                    "'in_progress', %s)",
                    [2**31, timezone.now()],
                )
        if name == "on-commit":
            transaction.on_commit(lambda: committed.append(Item.objects.count()))
        if name == "wait":
            started.set()
            proceed.wait(timeout=10)
        return Response({"id": item.pk, "name": item.name}, status=status.HTTP_201_CREATED)


class PlainItemCreateView(IdempotentMixin, APIView):
    def post(self, request):
        item = create_item(request.data)
        return HttpResponse(str(item.pk), status=201)


class OpenItemCreateView(ItemCreateView):
    permission_classes = [permissions.AllowAny]


class ItemViewSet(IdempotentMixin, viewsets.GenericViewSet):
    queryset = Item.objects.all()

    def create(self, request):
        item = create_item(request.data)
        return Response({"id": item.pk}, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return Response({"id": self.get_object().pk})

    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        item = create_item({"name": f"Copy of {self.get_object().name}"})
        return Response({"id": item.pk}, status=status.HTTP_201_CREATED)


router = routers.SimpleRouter()
router.register("items", ItemViewSet, basename="item")

urlpatterns = [
    path("create/", ItemCreateView.as_view()),
    path("create-again/", ItemCreateView.as_view()),
    path("open-create/", OpenItemCreateView.as_view()),
    path("plain-create/", PlainItemCreateView.as_view()),
    path("", include(router.urls)),
]


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def post(api, url, data, key=None, **kwargs):
    headers = {"Idempotency-Key": key} if key is not None else {}
    kwargs.setdefault("format", "json")
    return api.post(url, data, headers=headers, **kwargs)


def test_without_the_header_every_post_runs(api):
    first = post(api, "/create/", {"name": "Cut"})
    second = post(api, "/create/", {"name": "Cut"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.data["id"] != second.data["id"]
    assert Item.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_same_key_and_body_replays_the_first_response_and_does_nothing_more(api, user):
    first = post(api, "/create/", {"name": "Cut", "price": "30.00"}, key="k-1")
    again = post(api, "/create/", {"name": "Cut", "price": "30.00"}, key="k-1")
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json() == first.json() == {"id": first.data["id"], "name": "Cut"}
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Item.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    scope = (record.user, record.method, record.path, record.key)
    assert scope == (user, "POST", "/create/", "k-1")
    assert record.status == IdempotencyStatus.DONE
    assert record.response_status == 201


def test_same_key_with_another_body_is_422_and_does_nothing(api):
    post(api, "/create/", {"name": "Cut"}, key="k-1")
    other = post(api, "/create/", {"name": "Colour"}, key="k-1")
    assert other.status_code == 422
    assert "different request body" in other.json()["detail"]
    assert other.json()["code"] == "idempotency_key_reused"
    assert list(Item.objects.values_list("name", flat=True)) == ["Cut"]


def test_the_body_is_compared_canonically_not_byte_for_byte(api):
    first = api.post(
        "/create/",
        '{"name": "Cut", "price": "5.00"}',
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    again = api.post(
        "/create/",
        '{ "price":"5.00",\n "name":"Cut" }',
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert Item.objects.count() == 1


def test_the_key_is_scoped_to_the_user(api):
    post(api, "/create/", {"name": "Cut"}, key="shared")
    other_api = APIClient()
    other_api.force_authenticate(UserFactory())
    other = post(other_api, "/create/", {"name": "Cut"}, key="shared")
    assert other.status_code == 201
    assert not other.has_header("Idempotent-Replayed")
    assert Item.objects.count() == 2


def test_the_key_is_scoped_to_the_path(api):
    first = post(api, "/create/", {"name": "Cut"}, key="k")
    other = post(api, "/create-again/", {"name": "Cut"}, key="k")
    assert other.status_code == 201
    assert other.data["id"] != first.data["id"]
    assert Item.objects.count() == 2


def test_a_refusal_is_stored_and_replayed_too(api):
    refused = post(api, "/create/", {"price": "-1.00"}, key="k")
    again = post(api, "/create/", {"price": "-1.00"}, key="k")
    assert refused.status_code == again.status_code == 400
    assert again.json() == refused.json() == {"price": ["Price can't be negative."]}
    assert Item.objects.count() == 0
    # A corrected request is a new request: it needs a new key.
    assert post(api, "/create/", {"price": "1.00"}, key="k").status_code == 422
    assert post(api, "/create/", {"price": "1.00"}, key="k2").status_code == 201


def test_a_refusal_that_leaves_the_transaction_to_roll_back_is_stored_after_it(api):  # R74
    body = {"name": "refused-without-savepoint"}
    refused = post(api, "/create/", body, key="k")
    again = post(api, "/create/", body, key="k")
    assert refused.status_code == again.status_code == 400
    assert again.content == refused.content
    assert refused.json() == {"name": ["Refused after a write."]}
    assert again["Idempotent-Replayed"] == "true"
    assert Item.objects.count() == 0  # both writes, before and inside the service, undone
    assert IdempotencyRecord.objects.get().status == IdempotencyStatus.DONE


def test_a_5xx_answer_rolls_the_work_back_and_frees_the_key(api):
    failed = post(api, "/create/", {"name": "server-error"}, key="k")
    assert failed.status_code == 500
    assert Item.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0
    retried = post(api, "/create/", {"name": "server-error"}, key="k")
    assert retried.status_code == 500
    assert Item.objects.count() == 0


def test_an_exception_rolls_the_work_back_and_frees_the_key(api):
    with pytest.raises(RuntimeError):
        post(api, "/create/", {"name": "crash"}, key="k")
    assert Item.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


def test_a_second_request_while_the_first_runs_is_409(api, user):
    body = {"name": "Cut"}
    idempotency_key_claim(
        user=user, method="POST", path="/create/", key="k", fingerprint=request_fingerprint(body)
    )
    running = post(api, "/create/", body, key="k")
    assert running.status_code == 409
    assert "still being processed" in running.json()["detail"]
    assert running.json()["code"] == "idempotency_key_in_progress"
    assert post(api, "/create/", {"name": "Colour"}, key="k").status_code == 422
    assert Item.objects.count() == 0


def test_a_plain_http_response_keeps_its_work_but_is_not_stored(api):
    response = post(api, "/plain-create/", {"name": "Cut"}, key="k")
    assert response.status_code == 201
    assert Item.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 0


def test_a_claim_whose_request_died_can_be_taken_again_after_the_timeout(
    api, user, settings, time_machine
):
    settings.IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS = 120
    body = {"name": "Cut"}
    time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
    idempotency_key_claim(
        user=user, method="POST", path="/create/", key="k", fingerprint=request_fingerprint(body)
    )
    time_machine.shift(timedelta(seconds=119))
    assert post(api, "/create/", body, key="k").status_code == 409
    time_machine.shift(timedelta(seconds=1))
    taken = post(api, "/create/", body, key="k")
    assert taken.status_code == 201
    assert Item.objects.count() == 1
    assert IdempotencyRecord.objects.get().status == IdempotencyStatus.DONE


def test_a_request_whose_claim_was_taken_over_rolls_back_and_answers_409(api):
    response = post(api, "/create/", {"name": "taken-over"}, key="k")
    assert response.status_code == 409
    assert "retried" in response.json()["detail"]
    assert response.json()["code"] == "conflict"
    assert Item.objects.count() == 0


def test_a_key_is_honoured_for_the_retention_period_then_forgotten(api, settings, time_machine):
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 48
    time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
    first = post(api, "/create/", {"name": "Cut"}, key="k")
    time_machine.shift(timedelta(hours=47, minutes=59))
    assert post(api, "/create/", {"name": "Cut"}, key="k").json() == first.json()
    time_machine.shift(timedelta(minutes=1))
    fresh = post(api, "/create/", {"name": "Cut"}, key="k")
    assert fresh.status_code == 201
    assert not fresh.has_header("Idempotent-Replayed")
    assert Item.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_purge_deletes_only_records_past_retention(api, settings, time_machine):
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 48
    time_machine.move_to("2026-03-02 10:00:00Z", tick=False)
    post(api, "/create/", {"name": "Old"}, key="old")
    time_machine.shift(timedelta(hours=24))
    post(api, "/create/", {"name": "Recent"}, key="recent")
    time_machine.shift(timedelta(hours=24))
    call_command("purge_idempotency_keys")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    assert idempotency_records_purge() == 0


def test_anonymous_requests_are_keyed_too(db, api):
    """R74: sign-up and its verification are anonymous POSTs; a retry must not repeat them.
    Anonymous keys share one scope apart from every user's: a replay needs the same body."""
    first = post(APIClient(), "/open-create/", {"name": "Cut"}, key="k")
    again = post(APIClient(), "/open-create/", {"name": "Cut"}, key="k")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    other = post(APIClient(), "/open-create/", {"name": "Perm"}, key="k")
    assert other.status_code == 422
    signed_in = post(api, "/open-create/", {"name": "Cut"}, key="k")  # another scope
    assert signed_in.status_code == 201 and "Idempotent-Replayed" not in signed_in
    assert Item.objects.count() == 2
    assert IdempotencyRecord.objects.filter(user=None).count() == 1


def test_a_refused_request_claims_nothing(db):
    response = post(APIClient(), "/create/", {"name": "Cut"}, key="k")
    assert response.status_code == 401
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_an_empty_or_too_long_key_is_400(api, key):
    response = post(api, "/create/", {"name": "Cut"}, key=key)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The Idempotency-Key header must be 1 to 255 characters.",
        "code": "invalid_idempotency_key",
    }
    assert Item.objects.count() == 0


def test_a_key_of_255_characters_is_accepted(api):
    assert post(api, "/create/", {"name": "Cut"}, key="x" * 255).status_code == 201


def test_viewset_create_and_post_actions_honour_the_key(api):
    created = post(api, "/items/", {"name": "Cut"}, key="create")
    assert post(api, "/items/", {"name": "Cut"}, key="create").json() == created.json()
    url = f"/items/{created.data['id']}/copy/"
    copied = post(api, url, {}, key="copy")
    again = post(api, url, {}, key="copy")
    assert again.status_code == 201
    assert again.json() == copied.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Item.objects.count() == 2


def test_other_methods_ignore_the_header(api):
    item = Item.objects.create(name="Cut", kind=ItemKind.SERVICE, price=Decimal("1.00"))
    response = api.get(f"/items/{item.pk}/", headers={"Idempotency-Key": "k"})
    assert response.status_code == 200
    assert IdempotencyRecord.objects.count() == 0


def test_a_404_before_the_work_is_replayed_as_404(api):
    first = post(api, "/items/999999/copy/", {}, key="k")
    again = post(api, "/items/999999/copy/", {}, key="k")
    assert first.status_code == again.status_code == 404
    assert again.json() == first.json()


def test_multipart_bodies_are_compared_by_field_and_file_content(api):
    def upload(content):
        return {"name": "Photo", "file": SimpleUploadedFile("a.txt", content)}

    first = post(api, "/create/", upload(b"one"), key="k", format="multipart")
    again = post(api, "/create/", upload(b"one"), key="k", format="multipart")
    assert again.json() == first.json()
    assert post(api, "/create/", upload(b"two"), key="k", format="multipart").status_code == 422
    assert Item.objects.count() == 1


def idempotency_queries(queries) -> list[str]:
    """The kind of each statement sent on the records' table, prepared ones included
    (salon/db.py: `PREPARE name AS …; EXECUTE name(…)`, then `EXECUTE name(…)`, whose
    statement is read back from the server)."""
    kinds = []
    for query in queries:
        sql = query["sql"]
        if sql.startswith("EXECUTE "):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT statement FROM pg_prepared_statements WHERE name = %s",
                    [sql.split()[1].split("(")[0]],
                )
                sql = cursor.fetchone()[0]
        if sql.startswith("PREPARE "):
            sql = sql.split(" AS ", 1)[1]
        if "salon_idempotencyrecord" in sql:
            kinds.append(sql.split()[0])
    return kinds


def test_the_hot_path_costs_one_insert_and_one_update(api):  # P6
    with CaptureQueriesContext(connection) as first:
        post(api, "/create/", {"name": "Cut"}, key="k")
    assert idempotency_queries(first.captured_queries) == ["INSERT", "UPDATE"]
    with CaptureQueriesContext(connection) as replay:
        post(api, "/create/", {"name": "Cut"}, key="k")
    assert idempotency_queries(replay.captured_queries) == ["INSERT", "SELECT"]


def test_completing_a_claim_that_is_no_longer_ours_is_a_conflict(user):
    record, claimed = idempotency_key_claim(
        user=user, method="POST", path="/p/", key="k", fingerprint="f"
    )
    assert claimed
    IdempotencyRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(Conflict):
        idempotency_key_complete(record=record, response_status=201, response_body={})


def _post_in_thread(user, body, key, results, barrier=None):
    try:
        api = APIClient()
        api.force_authenticate(user)
        if barrier is not None:
            barrier.wait(timeout=10)
        results.append(post(api, "/create/", body, key=key))
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_gets_409_while_the_first_runs():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    user = UserFactory()
    started.clear()
    proceed.clear()
    first_results: list = []
    first = threading.Thread(
        target=_post_in_thread, args=(user, {"name": "wait"}, "k", first_results)
    )
    first.start()
    try:
        assert started.wait(timeout=10)
        api = APIClient()
        api.force_authenticate(user)
        duplicate = post(api, "/create/", {"name": "wait"}, key="k")
    finally:
        proceed.set()
        first.join(timeout=10)
    assert duplicate.status_code == 409
    assert first_results[0].status_code == 201
    replay = post(api, "/create/", {"name": "wait"}, key="k")
    assert replay.status_code == 201
    assert replay.json() == first_results[0].json()
    assert Item.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_with_one_key_do_the_work_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    user = UserFactory()
    barrier = threading.Barrier(2)
    results: list = []
    threads = [
        threading.Thread(
            target=_post_in_thread, args=(user, {"name": "Cut"}, "k", results, barrier)
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    codes = sorted(response.status_code for response in results)
    assert codes in ([201, 409], [201, 201])
    if codes == [201, 201]:
        assert results[0].json() == results[1].json()
    assert Item.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepared_statements", [True, False])
def test_r74_every_claim_names_the_session_it_runs_on(settings, prepared_statements):
    """A session's first claim reads its pid and start time, the next ones send them
    (salon/services.py, salon/sql.py): each claim still names its own session, also after a
    reconnect, and behind a transaction pooler (DB_PREPARED_STATEMENTS off) every claim
    reads them."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.DB_PREPARED_STATEMENTS = prepared_statements
    user = UserFactory()

    def this_session():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
            )
            return cursor.fetchone()

    def holder_of_a_claim(key):
        record, claimed = idempotency_key_claim(
            user=user, method="POST", path="/create/", key=key, fingerprint=""
        )
        assert claimed
        record.refresh_from_db()
        return record.holder_pid, record.holder_started_at

    first_session = this_session()
    assert holder_of_a_claim("a") == first_session
    assert holder_of_a_claim("b") == first_session
    connection.close()
    second_session = this_session()
    assert second_session != first_session
    assert holder_of_a_claim("c") == second_session
    assert holder_of_a_claim("d") == second_session


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepared_statements", [True, False])
def test_p6_prepared_claims_and_answers_answer_as_planned_ones(settings, prepared_statements):
    """P6 (fifth pass): a session's claims after its first and every stored answer run as
    prepared statements (salon/sql.py, salon/db.py): PREPARE … EXECUTE the first time,
    EXECUTE after. They answer as the planned SQL does (DB_PREPARED_STATEMENTS off): 201,
    a replay byte for byte the first answer, 422 for another body; and the UPDATE's row
    count still sees a claim taken over, on its first run in a session and after."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.DB_PREPARED_STATEMENTS = prepared_statements
    connection.close()  # a new session: nothing prepared, its holder not read yet
    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    bodies = [{"name": f"Cut {number}", "price": "30.00"} for number in range(3)]
    with CaptureQueriesContext(connection) as captured:
        firsts = [post(api, "/create/", body, key=f"k-{n}") for n, body in enumerate(bodies)]
    # Read now: the next request empties the connection's query log.
    sent = [
        (query["sql"].split()[0], query["sql"].endswith("; COMMIT"))
        for query in captured
        if "salon_idempotency" in query["sql"]
    ]
    replays = [post(api, "/create/", body, key=f"k-{n}") for n, body in enumerate(bodies)]
    for first, replay in zip(firsts, replays, strict=True):
        assert (first.status_code, replay.status_code) == (201, 201)
        assert replay.content == first.content
        assert replay["Idempotent-Replayed"] == "true"
    assert post(api, "/create/", {"name": "Another"}, key="k-0").status_code == 422
    assert sorted(Item.objects.values_list("name", flat=True)) == ["Cut 0", "Cut 1", "Cut 2"]
    # Each stored answer carries its request's COMMIT (the block is the outermost here).
    if prepared_statements:
        # The first claim reads the session's holder, planned; then the answer's statement
        # and the next claim are each prepared once.
        assert sent == [
            ("INSERT", False),
            ("PREPARE", True),
            ("PREPARE", False),
            ("EXECUTE", True),
            ("EXECUTE", False),
            ("EXECUTE", True),
        ]
    else:
        assert sent == [("INSERT", False), ("WITH", True)] * 3

    connection.close()
    for number in range(2):
        record, claimed = idempotency_key_claim(
            user=user, method="POST", path="/p/", key=f"taken-over-{number}", fingerprint="f"
        )
        assert claimed
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        with pytest.raises(Conflict), transaction.atomic():
            idempotency_key_complete(record=record, response_status=201, response_body="{}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepared_statements", [True, False])
def test_p6_the_answer_sent_with_the_commit_keeps_every_outcome(settings, prepared_statements):
    """P6 (fifth pass): on PostgreSQL a keyed request's stored answer and its COMMIT go as
    one query. A claim taken over meanwhile still answers 409 with the work rolled back (the
    statement fails, so the COMMIT never runs), on the statement's first run in a session
    and after; a COMMIT that fails (a deferred constraint) still frees the key; the work's
    on_commit callbacks still run once, after the commit."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.DB_PREPARED_STATEMENTS = prepared_statements
    connection.close()  # a new session: nothing prepared yet
    user = UserFactory()
    api = APIClient()
    api.force_authenticate(user)
    for number in range(2):
        taken_over = post(api, "/create/", {"name": "taken-over"}, key=f"late-{number}")
        assert taken_over.status_code == 409
        assert taken_over.json()["code"] == "conflict"
    assert Item.objects.count() == 0

    with pytest.raises(IntegrityError):
        post(api, "/create/", {"name": "deferred-violation"}, key="broken")
    assert Item.objects.count() == 0
    assert not IdempotencyRecord.objects.filter(key="broken").exists()

    committed.clear()
    first = post(api, "/create/", {"name": "on-commit"}, key="hooked")
    assert first.status_code == 201
    assert committed == [1]
    replay = post(api, "/create/", {"name": "on-commit"}, key="hooked")
    assert replay.content == first.content
    assert committed == [1]
    record = IdempotencyRecord.objects.get(key="hooked")
    assert (record.status, record.response_body) == ("done", first.content.decode())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("earlier_claims", [0, 2])
def test_r74_a_claim_whose_session_died_is_taken_over_at_once(earlier_claims):
    """A worker killed mid-request leaves its claim in progress; its database session ends
    with it. The retry checks the holder's session and runs at once, not after
    IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS (it waited 120 s and answered 409 meanwhile). Also
    when the session claimed keys before (its later claims send the holder it read first)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    user = UserFactory()
    body = {"name": "Cut"}
    holder: dict = {}
    claimed, finish = threading.Event(), threading.Event()

    def claim_and_stay():
        for number in range(earlier_claims):
            idempotency_key_claim(
                user=user, method="POST", path="/create/", key=f"earlier-{number}", fingerprint=""
            )
        # The session stays open, as a killed worker's does until PostgreSQL ends it.
        holder["record"], holder["claimed"] = idempotency_key_claim(
            user=user,
            method="POST",
            path="/create/",
            key="k",
            fingerprint=request_fingerprint(body),
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            holder["pid"] = cursor.fetchone()[0]
        claimed.set()
        finish.wait(timeout=20)
        # The session was terminated under it, on purpose: closing it may fail.
        with contextlib.suppress(Exception):
            connection.close()

    thread = threading.Thread(target=claim_and_stay)
    thread.start()
    try:
        assert claimed.wait(timeout=10)
        assert holder["claimed"]
        api = APIClient()
        api.force_authenticate(user)
        assert post(api, "/create/", body, key="k").status_code == 409  # the holder is alive

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [holder["pid"]])
        started_at = time.monotonic()
        retry = post(api, "/create/", body, key="k")
        elapsed = time.monotonic() - started_at
    finally:
        finish.set()
        thread.join(timeout=20)
    assert retry.status_code == 201
    assert elapsed < 1
    assert Item.objects.count() == 1
    assert post(api, "/create/", body, key="k").json() == retry.json()
