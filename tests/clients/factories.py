import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

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


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color=(200, 30, 90)).save(buffer, format=image_format)
    return buffer.getvalue()


def upload(name: str = "photo.png", content: bytes | None = None) -> SimpleUploadedFile:
    """An uploaded file as a browser sends it; a PNG unless `content` says otherwise."""
    return SimpleUploadedFile(name, image_bytes() if content is None else content)
