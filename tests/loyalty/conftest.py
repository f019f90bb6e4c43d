import pytest

from tests.clients.factories import ClientFactory


@pytest.fixture
def customer(db):
    return ClientFactory()


@pytest.fixture
def referrer(db):
    return ClientFactory()


@pytest.fixture
def referred(referrer):
    return ClientFactory(referred_by=referrer)
