import pytest

from catalog.models import ItemKind
from tests.catalog.factories import ItemFactory
from tests.messaging.outbox import sms_outbox

__all__ = ["sms_outbox"]


@pytest.fixture
def haircut(db):
    return ItemFactory(name="Haircut", kind=ItemKind.SERVICE)


@pytest.fixture
def shampoo(db):
    return ItemFactory(name="Shampoo", kind=ItemKind.PRODUCT, price="20.00")
