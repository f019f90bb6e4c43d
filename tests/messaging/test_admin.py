"""The text log in admin: Front desk reads it, nobody edits it (R39, §10)."""

import pytest
from django.urls import reverse

from tests.messaging.factories import InboundMessageFactory, OptOutFactory, OutboundMessageFactory

pytestmark = pytest.mark.django_db


def test_front_desk_may_read_texts_and_opt_outs(front_desk):
    assert front_desk.has_perm("messaging.view_message")
    assert front_desk.has_perm("messaging.view_optout")
    assert not front_desk.has_perm("messaging.change_message")
    assert not front_desk.has_perm("messaging.delete_optout")


@pytest.mark.parametrize("rows", [2, 15])
def test_changelist_queries_are_constant(client, front_desk, django_assert_max_num_queries, rows):
    client.force_login(front_desk)
    OutboundMessageFactory.create_batch(rows)
    InboundMessageFactory.create_batch(rows)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:messaging_message_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2 * rows


def test_a_text_cant_be_added_changed_or_deleted_even_by_a_manager(client, manager):
    client.force_login(manager)
    message = OutboundMessageFactory(body="Original")
    assert client.get(reverse("admin:messaging_message_add")).status_code == 403
    change_url = reverse("admin:messaging_message_change", args=[message.pk])
    assert client.get(change_url).status_code == 200  # readable
    client.post(change_url, {"body": "Edited"})
    message.refresh_from_db()
    assert message.body == "Original"
    delete_url = reverse("admin:messaging_message_delete", args=[message.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403


def test_only_the_number_itself_lifts_an_opt_out(client, manager):  # §1
    client.force_login(manager)
    opt_out = OptOutFactory()
    assert client.get(reverse("admin:messaging_optout_add")).status_code == 403
    delete_url = reverse("admin:messaging_optout_delete", args=[opt_out.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert type(opt_out).objects.filter(pk=opt_out.pk).exists()
