import factory

from messaging.models import Direction, Message, MessageStatus, OptOut


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    direction = Direction.OUTBOUND
    to_number = factory.Sequence(lambda n: f"+1202555{n % 10000:04d}")
    body = "Hello from the salon"
    status = MessageStatus.SENT
    purpose = factory.Sequence(lambda n: f"test:{n}")


class InboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    direction = Direction.INBOUND
    to_number = "+12025550000"
    from_number = factory.Sequence(lambda n: f"+1202555{n % 10000:04d}")
    body = "C"
    status = MessageStatus.RECEIVED
    provider_sid = factory.Sequence(lambda n: f"SM{n:032d}")


class OptOutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OptOut

    phone = factory.Sequence(lambda n: f"+1202555{n % 10000:04d}")
