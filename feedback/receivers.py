"""feedback listens to clients, which must not know it (SPEC §1)."""

from feedback.services import feedback_move_client


def client_merged(sender, survivor, duplicate, **kwargs):
    """clients announces a merge inside its transaction; feedback moves its rows (R17)."""
    feedback_move_client(survivor=survivor, duplicate=duplicate)
