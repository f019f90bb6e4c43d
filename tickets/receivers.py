"""tickets listens to clients (a merge moves each app's own rows, SPEC §1, R17) and to
catalog (an item's kind decides whether its lines are qualifying spend, R61)."""

from .lifecycle import tickets_lock_for_merge, tickets_move_to_survivor
from .spend import daily_spend_item_recount


def client_merged(sender, survivor, duplicate, **kwargs):
    """clients must not know tickets exist, so it announces the merge and we move our rows."""
    tickets_move_to_survivor(survivor=survivor, duplicate=duplicate)


def client_merge_locking(sender, duplicate, **kwargs):
    """A close locks its ticket before the appointment and the balance: the merge locks the
    duplicate's tickets before it moves those rows, so both take locks in one order (R78)."""
    tickets_lock_for_merge(duplicate=duplicate)


def item_kind_changed(sender, item, was, **kwargs):
    daily_spend_item_recount(item=item, was=was)
