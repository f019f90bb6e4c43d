from decimal import Decimal

import factory

from catalog.models import Item, ItemKind


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    name = factory.Sequence(lambda n: f"Item {n}")
    kind = ItemKind.SERVICE
    price = Decimal("100.00")
    active = True
