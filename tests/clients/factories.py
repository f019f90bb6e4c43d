import factory

from clients.models import Client, ClientSource


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Sequence(lambda n: f"+1202555{n % 10000:04d}")
    email = factory.LazyAttribute(lambda c: f"{c.first_name}.{c.last_name}@example.com".lower())
    source = ClientSource.FRONT_DESK
    referral_code = factory.Sequence(lambda n: f"TEST{n:06d}")
