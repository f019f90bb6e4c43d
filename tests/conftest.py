import os

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

import messaging
from salon import roles
from salon.models import Features
from tests.accounts.factories import FrontDeskFactory, ManagerFactory, UserFactory, role_group
from tests.clients.factories import ClientFactory

# Hypothesis tests that don't pin their own example count try a few examples while we
# iterate and many in CI (.ci/run exports CI=true), which also prints the blob that replays
# a failure. Every property test pins its count today; the ledger state machines keep
# their suite bound unless HYPOTHESIS_PROFILE names a profile (`long`: the long run,
# docs/reliability.md).
hypothesis_settings.register_profile("dev", max_examples=25, deadline=None)
hypothesis_settings.register_profile("ci", max_examples=200, deadline=None, print_blob=True)
hypothesis_settings.register_profile("long", max_examples=200, deadline=None, print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads in tests land in a temporary folder, never in the project."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager(db):
    return ManagerFactory()


@pytest.fixture
def front_desk(db):
    return FrontDeskFactory()


@pytest.fixture
def anonymous_api():
    return APIClient()


@pytest.fixture
def manager_api(manager):
    api = APIClient()
    api.force_authenticate(manager)
    return api


@pytest.fixture
def front_desk_api(front_desk):
    api = APIClient()
    api.force_authenticate(front_desk)
    return api


@pytest.fixture
def all_features(db):
    """Every Client Connect feature on, premium exclusives included (R33)."""
    Features.objects.update_or_create(
        pk=1,
        defaults=dict(
            automated_email_marketing=True,
            mass_email=True,
            rewards_referrals=True,
            text_confirmations=True,
            profile_photos=True,
        ),
    )


@pytest.fixture
def customer(db):
    """A salon client (named so because pytest-django owns `client`)."""
    return ClientFactory()


@pytest.fixture
def client_user(customer):
    """The client-app login of `customer` (SPEC §10: Client group, e-mail as username)."""
    user = UserFactory(username=customer.email, email=customer.email)
    user.groups.add(role_group(roles.CLIENT))
    customer.user = user
    customer.save(update_fields=["user"])
    return user


@pytest.fixture
def client_api(client_user):
    api = APIClient()
    api.force_authenticate(client_user)
    return api


@pytest.fixture(autouse=True)
def sms_outbox():
    """`messaging.outbox` emptied around each test, like pytest-django's `mailoutbox` (R40)."""
    messaging.outbox.clear()
    yield messaging.outbox
    messaging.outbox.clear()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle and django-axes sign-in counts live in the cache: none carried between tests."""
    cache.clear()
    yield
    cache.clear()
