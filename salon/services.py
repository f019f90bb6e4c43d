"""Writes for salon-wide settings: the Client Connect subscription (R33)."""

from django.db import transaction

from salon.errors import DomainError, PermissionRefused
from salon.models import BASE_FEATURES, EXCLUSIVE_FEATURES, Features
from salon.selectors import features_get

FEATURE_NAMES = BASE_FEATURES + EXCLUSIVE_FEATURES


@transaction.atomic
def features_update(*, user, changes: dict) -> Features:
    """Switch Client Connect features on or off (R33, Manager only).

    An exclusive may only be on when, after this change, all three base features are on
    (so one change may switch everything on together); switching a base feature off
    switches both exclusives off with it.
    """
    if user is None or not user.has_perm("salon.change_features"):
        raise PermissionRefused("Only a Manager may change the Client Connect features.")
    unknown = set(changes) - set(FEATURE_NAMES)
    if unknown:
        raise DomainError("Unknown feature.", field=sorted(unknown)[0])
    features_get()  # the row exists before it is locked
    features = Features.objects.select_for_update().get(pk=1)
    for name, value in changes.items():
        if not isinstance(value, bool):
            raise DomainError("Must be true or false.", field=name)
        setattr(features, name, value)
    if not features.has_all_base_features:
        for name in EXCLUSIVE_FEATURES:
            if changes.get(name):
                raise DomainError(
                    "This premium feature needs Automated email marketing, Mass email and "
                    "Rewards & Referrals all switched on.",
                    field=name,
                )
            setattr(features, name, False)
    features.full_clean()
    features.save()
    return features
