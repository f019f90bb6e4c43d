from salon.models import Features


def features_get() -> Features:
    """The salon's Client Connect subscription (R33); the row exists from the first migrate."""
    features, _ = Features.objects.get_or_create(pk=1)
    return features
