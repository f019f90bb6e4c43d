"""Reads for clients: search (R26), listing without N+1, profile photos, files."""

import re

import phonenumbers
from django.db.models import Prefetch, Q, QuerySet
from phonenumber_field.phonenumber import PhoneNumber

from clients.models import Client, ClientFile

PROFILE_PHOTOS_ATTR = "profile_photos"


def client_search(*, query: str, queryset: QuerySet[Client] | None = None) -> QuerySet[Client]:
    """Clients whose name (or e-mail) or phone matches `query` (R26): partial and
    case-insensitive; a phone in any common format ("(202) 555-0101", "202.555",
    "+1 202…") matches the stored E.164 value by its digits. One query, whatever it finds."""
    queryset = Client.objects.all() if queryset is None else queryset
    query = (query or "").strip()
    if not query:
        return queryset
    if re.search(r"[^\W\d_]", query):  # has letters: a name (every word must match)
        condition = Q()
        for word in query.split():
            condition &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return queryset.filter(condition)
    digits = re.sub(r"\D", "", query)
    if not digits:
        return queryset.none()
    condition = Q(phone__contains=digits)
    # A full national number with a trunk prefix ("07911 123456" in the UK) is not a
    # substring of its E.164 form; parsed, it matches exactly.
    try:
        parsed = PhoneNumber.from_string(query)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and parsed.is_valid():
        condition |= Q(phone=parsed.as_e164)
    return queryset.filter(condition)


def client_list(*, search: str = "", include_merged: bool = False) -> QuerySet[Client]:
    """Clients for the staff list: searchable, with their profile photo prefetched (so the
    list costs the same number of queries for 5 clients or 5,000)."""
    queryset = Client.objects.all()
    if not include_merged:
        queryset = queryset.filter(merged_into__isnull=True)
    return client_search(query=search, queryset=queryset).prefetch_related(
        Prefetch(
            "files",
            queryset=ClientFile.objects.filter(is_profile_photo=True),
            to_attr=PROFILE_PHOTOS_ATTR,
        )
    )


def client_profile_photo(*, client: Client) -> ClientFile | None:
    """The client's profile photo, from the prefetch of client_list when there is one."""
    if hasattr(client, PROFILE_PHOTOS_ATTR):
        photos = getattr(client, PROFILE_PHOTOS_ATTR)
        return photos[0] if photos else None
    return client.files.filter(is_profile_photo=True).first()


def client_files(*, client: Client) -> QuerySet[ClientFile]:
    return ClientFile.objects.filter(client=client)


def client_survivor(client: Client | None) -> Client | None:
    """The client whose record this now is: a merged duplicate lives on in its survivor
    (R17). The one walk of the merged chain; a cycle (which merges never make, but a
    hand-edited row could) stops at the first client seen twice instead of looping."""
    seen = set()
    while client is not None and client.merged_into_id is not None and client.pk not in seen:
        seen.add(client.pk)
        client = Client.objects.get(pk=client.merged_into_id)
    return client


def client_survivor_id(client_id: int | None, merged_into_id: int | None) -> int | None:
    """The survivor's id (R17); the chain is read only when there is one (a merge is rare)."""
    if merged_into_id is None:
        return client_id
    return client_survivor(Client.objects.get(pk=merged_into_id)).pk


def clients_holding_phones(phones) -> dict[str, Client]:
    """The active clients holding these phones (E.164), by phone (unique among active
    clients, R24); read in slices so a long list stays under SQLite's parameter limit."""
    phones = sorted(phones)
    holders = {}
    for start in range(0, len(phones), 1000):
        for client in Client.objects.filter(
            phone__in=phones[start : start + 1000], merged_into__isnull=True
        ):
            holders[client.phone.as_e164] = client
    return holders
