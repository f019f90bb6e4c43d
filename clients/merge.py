"""Merging a duplicate client into the survivor (R17): one transaction, each app moving its
own rows on the merge's signals."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clients.errors import (
    DuplicateMerged,
    MergeIntoItself,
    SurvivorMerged,
)
from clients.models import (
    Client,
    ClientFile,
)
from clients.signals import client_merge_locking, client_merged
from salon.errors import PermissionRefused


def merged_into_note(survivor_id: int) -> str:
    """What the duplicate's records of a merge say (R17): its ledger entries and its tier
    change in loyalty, in one wording."""
    return f"Merged into client #{survivor_id}"


def merged_from_note(duplicate_id: int) -> str:
    """What the survivor's records of a merge say (R17)."""
    return f"Merged from client #{duplicate_id}"


def _referrer_after_merge(*, survivor: Client, duplicate: Client) -> int | None:
    """R17: the survivor keeps its own referrer, else takes the duplicate's, never itself
    (referred by the duplicate: the duplicate's referrer, or none). A choice that would
    close a referral cycle through the clients just moved to the survivor becomes none."""
    candidate = survivor.referred_by_id
    if candidate is None or candidate == duplicate.pk:
        candidate = duplicate.referred_by_id
    if candidate in (survivor.pk, duplicate.pk):
        return None
    seen = set()
    ancestor_id = candidate
    while ancestor_id is not None and ancestor_id not in seen:
        if ancestor_id == survivor.pk:
            return None
        seen.add(ancestor_id)
        ancestor_id = (
            Client.objects.filter(pk=ancestor_id).values_list("referred_by_id", flat=True).first()
        )
    return candidate


@transaction.atomic
def client_merge(
    *, survivor: Client, duplicate: Client, user, now: datetime | None = None
) -> Client:
    """Merge `duplicate` into `survivor` (R17, Manager only). This app moves uploads,
    referrals, the referrer and the app login; every other app moves its own rows in its
    `client_merged` receiver, inside this transaction. The duplicate stays as a tombstone.

    Locks (R78): both client rows FOR NO KEY UPDATE, which other writers' foreign-key
    checks (FOR KEY SHARE, at their COMMIT) don't wait for; then, through
    `client_merge_locking`, the rows other writers lock first (tickets); the receivers of
    `client_merged` follow in the writers' order (appointments, feedback, balances). The one
    change of a key column, the app login, comes last, when every other lock is held."""
    if user is None or not user.has_perm("clients.merge_client"):
        raise PermissionRefused("Only a Manager may merge clients.")
    if survivor.pk == duplicate.pk:
        raise MergeIntoItself(field="duplicate")
    now = now or timezone.now()
    locked = {
        row.pk: row
        for row in Client.objects.select_for_update(no_key=True)
        .filter(pk__in=[survivor.pk, duplicate.pk])
        .order_by("pk")
    }
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    if survivor.is_tombstone:
        raise SurvivorMerged()
    if duplicate.is_tombstone:
        raise DuplicateMerged(field="duplicate")
    client_merge_locking.send(sender=Client, survivor=survivor, duplicate=duplicate)

    # Uploads: the survivor keeps its own profile photo (R17); beyond 20 files are kept.
    if ClientFile.objects.filter(client=survivor, is_profile_photo=True).exists():
        ClientFile.objects.filter(client=duplicate, is_profile_photo=True).update(
            is_profile_photo=False
        )
    ClientFile.objects.filter(client=duplicate).update(client=survivor)

    # Referrals (the one exception to R25, hence update(), which skips Client.save()).
    referrals = Client.objects.filter(referred_by=duplicate).exclude(pk=survivor.pk)
    moved_referral_ids = list(referrals.values_list("pk", flat=True))
    referrals.update(referred_by=survivor, updated_at=now)  # R75: a sync sees the change
    referrer_id = _referrer_after_merge(survivor=survivor, duplicate=duplicate)

    # The app login: moves when the survivor has none, else is switched off (R17).
    login_id = duplicate.user_id
    moves_login = login_id is not None and survivor.user_id is None
    if login_id is not None and not moves_login:
        get_user_model().objects.filter(pk=login_id).update(is_active=False)

    # Tombstone first: that frees its phone (unique among active clients only).
    Client.objects.filter(pk=duplicate.pk).update(merged_into=survivor, updated_at=now)
    survivor_changes = {"referred_by_id": referrer_id, "updated_at": now}
    # Details the survivor lacks are taken from the duplicate; notes are kept from both.
    if survivor.phone is None and duplicate.phone is not None:
        survivor_changes["phone"] = duplicate.phone
    if not survivor.email and duplicate.email:
        survivor_changes["email"] = duplicate.email
    if survivor.birthday is None and duplicate.birthday is not None:
        survivor_changes["birthday"] = duplicate.birthday
    if duplicate.notes:
        survivor_changes["notes"] = "\n\n".join(
            part for part in (survivor.notes, duplicate.notes) if part
        )
    Client.objects.filter(pk=survivor.pk).update(**survivor_changes)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    client_merged.send(sender=Client, survivor=survivor, duplicate=duplicate, user=user, now=now)

    if moves_login:
        # user_id is unique, so changing it upgrades the row lock to FOR UPDATE, which
        # blocks other writers' foreign-key checks: last, once the receivers hold their
        # locks. The tombstone lets go of the login before the survivor takes it.
        Client.objects.filter(pk=duplicate.pk).update(user=None)
        Client.objects.filter(pk=survivor.pk).update(user_id=login_id)
        survivor.refresh_from_db()
        duplicate.refresh_from_db()
    # update() skips the audit history's signals: the merge writes its rows itself.
    Client.history.bulk_history_create(
        [survivor, duplicate, *Client.objects.filter(pk__in=moved_referral_ids)],
        update=True,
        default_user=user,
        default_change_reason=f"Client #{duplicate.pk} merged into #{survivor.pk}",
        default_date=now,
    )
    return survivor
