"""Endpoints that move money or points adopt Idempotency-Key (SPEC §11)."""

from clients.models import Client
from clients.signals import client_merged
from tests.clients.factories import ClientFactory


def test_a_retried_merge_replays_the_survivor_and_merges_once(manager_api):  # R17
    survivor, duplicate = ClientFactory(), ClientFactory()
    merges = []

    def count(sender, **kwargs):
        merges.append(kwargs["duplicate"].pk)

    client_merged.connect(count, dispatch_uid="test.count_merges")
    try:
        url = f"/api/v1/clients/{survivor.pk}/merge/"
        headers = {"Idempotency-Key": "merge-1"}
        first = manager_api.post(url, {"duplicate": duplicate.pk}, headers=headers)
        again = manager_api.post(url, {"duplicate": duplicate.pk}, headers=headers)
        unkeyed = manager_api.post(url, {"duplicate": duplicate.pk})
    finally:
        client_merged.disconnect(dispatch_uid="test.count_merges")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert merges == [duplicate.pk]
    assert Client.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk
    assert unkeyed.status_code == 400  # without the key a second merge is a new request
