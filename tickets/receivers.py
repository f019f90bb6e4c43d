"""tickets listens to clients: a merge moves each app's own rows (SPEC §1, R17)."""

from .lifecycle import tickets_move_to_survivor


def client_merged(sender, survivor, duplicate, **kwargs):
    """clients must not know tickets exist, so it announces the merge and we move our rows."""
    tickets_move_to_survivor(survivor=survivor, duplicate=duplicate)
