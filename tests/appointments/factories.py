from datetime import timedelta

import factory
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus, ProductReservation
from catalog.models import ItemKind
from tests.catalog.factories import ItemFactory
from tests.clients.factories import ClientFactory


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    client = factory.SubFactory(ClientFactory)
    item = factory.SubFactory(ItemFactory, kind=ItemKind.SERVICE)
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    status = AppointmentStatus.BOOKED


class ProductReservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductReservation

    client = factory.SubFactory(ClientFactory)
    item = factory.SubFactory(ItemFactory, kind=ItemKind.PRODUCT, price="25.00")
    quantity = 1
