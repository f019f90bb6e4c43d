"""The list of the project's apps exists once (#12, salon/project_apps.py): pyproject.toml
can't import it, so its two copies are checked against it here."""

import tomllib
from pathlib import Path

from django.conf import settings

from salon.project_apps import PROJECT_APPS

ROOT = Path(__file__).resolve().parents[2]


def test_settings_install_every_project_app_in_order():
    installed = [app for app in settings.INSTALLED_APPS if app in PROJECT_APPS]
    assert installed == list(PROJECT_APPS)


def test_pyproject_packages_and_first_party_imports_are_the_project_apps():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    first_party = pyproject["tool"]["ruff"]["lint"]["isort"]["known-first-party"]
    assert (packages, first_party) == (list(PROJECT_APPS), [*PROJECT_APPS, "tests"])
