"""Figures that an app below tickets adds to every ticket read (R48).

A closed ticket shows the points it earned (`points_earned`, `referrer_points_earned`), but
tickets must not know loyalty (SPEC §1). So loyalty registers, in its `ready()`, an
expression per figure here, and `selectors.ticket_list_with_totals` annotates them: the
ticket API, admin and lists read them in the same single query as the amounts, whatever the
number of tickets. Without loyalty installed the figures are simply absent (None).
"""

from collections.abc import Callable

from django.db.models import Expression

_REGISTERED: dict[str, Callable[[], Expression]] = {}


def ticket_annotation_register(*, name: str, expression: Callable[[], Expression]) -> None:
    """Add `name` to every ticket read; `expression()` builds the (correlated) expression.
    Registering the same name again replaces it (a reloaded app config)."""
    _REGISTERED[name] = expression


def ticket_annotations() -> dict[str, Expression]:
    return {name: build() for name, build in _REGISTERED.items()}
