"""Events clients announce to the apps that depend on it (SPEC §1)."""

from django.dispatch import Signal

# Sent inside the merge transaction once both client rows are locked and before anything
# moves, with survivor=Client, duplicate=Client. An app whose writers lock its rows before
# a client's balance (a close locks its ticket, then the appointment, then the balance)
# locks the duplicate's rows here, so the merge takes locks in the writers' order and
# never deadlocks with them (R78).
client_merge_locking = Signal()

# Sent inside the merge transaction, after the duplicate's own client rows moved, with
# survivor=Client, duplicate=Client, now=datetime, user=User|None. Each app moves its rows.
client_merged = Signal()
