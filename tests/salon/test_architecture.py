"""SPEC §1: dependencies only point down the app list; nothing imports loyalty.

Where an app on the left must cause work on the right, it sends a signal. This test
reads every module's imports (migrations aside) so a shortcut fails the build.
"""

import ast
from pathlib import Path

import pytest

from salon.project_apps import DOMAIN_APPS, PROJECT_PACKAGE

ROOT = Path(__file__).resolve().parents[2]

# Each app may import the project package `salon` and the apps listed for it.
ALLOWED = {
    "clients": set(),
    "catalog": set(),
    "messaging": set(),
    "staff": set(),
    "accounts": {"clients", "messaging"},
    "appointments": {"clients", "catalog", "messaging", "staff"},
    "tickets": {"clients", "catalog", "messaging", "staff", "appointments"},
    "feedback": {"clients", "catalog", "messaging", "staff", "appointments", "tickets"},
    "loyalty": {
        "accounts",
        "clients",
        "catalog",
        "messaging",
        "staff",
        "appointments",
        "tickets",
        "feedback",
    },
    "frontdesk": {
        "accounts",
        "clients",
        "catalog",
        "messaging",
        "staff",
        "appointments",
        "tickets",
        "feedback",
        "loyalty",
    },
}


def test_every_domain_app_has_its_place_in_the_dependency_order():
    assert set(ALLOWED) == set(DOMAIN_APPS)


# The project package composes the apps in these places only (like urls.py).
SALON_COMPOSITION = {"salon/urls.py", "salon/management/commands/seed_demo.py"}


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(DOMAIN_APPS)
    return found


def modules_of(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


@pytest.mark.parametrize("app", sorted(app for app in ALLOWED if (ROOT / app).is_dir()))
def test_app_imports_only_apps_above_it(app):
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) - ALLOWED[app] - {app})
        for path in modules_of(app)
    }
    assert {module: apps for module, apps in offending.items() if apps} == {}


def test_nothing_but_frontdesk_imports_loyalty():
    importers = {
        str(path.relative_to(ROOT))
        for app in set(DOMAIN_APPS) - {"loyalty", "frontdesk"}
        if (ROOT / app).is_dir()
        for path in modules_of(app)
        if "loyalty" in imported_apps(path)
    }
    assert importers == set()


def test_project_package_imports_apps_only_where_it_composes_them():
    offending = {
        str(path.relative_to(ROOT))
        for path in modules_of(PROJECT_PACKAGE)
        if imported_apps(path) and str(path.relative_to(ROOT)) not in SALON_COMPOSITION
    }
    assert offending == set()


TICKET_MODELS = {"tickets.Ticket", "tickets.TicketLine", "tickets.Payment"}


def model_signal_listeners(path: Path) -> set[str]:
    """The senders of every post_save/post_delete `.connect(..., sender=...)` in a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        target = node.func.value
        name = getattr(target, "id", getattr(target, "attr", None))
        if node.func.attr != "connect" or name not in {"post_save", "post_delete"}:
            continue
        for keyword in node.keywords:
            if keyword.arg == "sender":
                sender = keyword.value
                found.add(
                    sender.value
                    if isinstance(sender, ast.Constant)
                    else f"tickets.{getattr(sender, 'id', '?')}"
                )
    return found


def test_no_app_listens_to_ticket_model_signals():  # R48, STYLE rule 3
    """tickets writes its rows with SQL where it pays (the close), which sends no post_save:
    ticket events come from tickets/signals.py or direct calls down the dependency order."""
    listeners = {
        str(path.relative_to(ROOT)): sorted(model_signal_listeners(path) & TICKET_MODELS)
        for app in DOMAIN_APPS
        if (ROOT / app).is_dir()
        for path in modules_of(app)
    }
    assert {module: senders for module, senders in listeners.items() if senders} == {}
