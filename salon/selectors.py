from salon.models import Features, SalonSettings


def features_get() -> Features:
    """The salon's Client Connect subscription (R33); the row exists from the first migrate."""
    features, _ = Features.objects.get_or_create(pk=1)
    return features


def salon_settings_get() -> SalonSettings:
    """The salon's name, address, phone, receipt footer and tax pricing (R50)."""
    settings, _ = SalonSettings.objects.get_or_create(pk=1)
    return settings
