import pytest

from salon.models import Features


@pytest.fixture
def photos_on(db):
    """Uploads need the profile_photos premium feature (R34)."""
    Features.objects.update_or_create(
        pk=1,
        defaults=dict(
            automated_email_marketing=True,
            mass_email=True,
            rewards_referrals=True,
            profile_photos=True,
        ),
    )
