"""Events clients announce to the apps that depend on it (SPEC §1)."""

from django.dispatch import Signal

# Sent inside the merge transaction, after the duplicate's own client rows moved, with
# survivor=Client, duplicate=Client, now=datetime, user=User|None. Each app moves its rows.
client_merged = Signal()
