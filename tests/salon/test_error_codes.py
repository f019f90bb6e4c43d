"""R71: every refusal has its own class with a stable snake_case code, listed in the README.

Every app's `errors.py` is imported (found on disk, not listed by hand), so a new app's
codes are checked as soon as it has one.
"""

import importlib
import inspect
from pathlib import Path

import pytest

from salon.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
ERRORS_MODULES = sorted(
    f"{path.parent.name}.errors"
    for path in ROOT.glob("*/errors.py")
    if (path.parent / "apps.py").exists()
)


def error_classes():
    for name in ERRORS_MODULES:
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, DomainError) and cls.__module__ == name:
                yield cls


def test_every_app_with_refusals_has_an_errors_module():
    assert {"tickets.errors", "loyalty.errors", "feedback.errors", "catalog.errors"} <= set(
        ERRORS_MODULES
    )


@pytest.mark.parametrize(
    "error_class", list(error_classes()), ids=lambda cls: f"{cls.__module__}.{cls.__name__}"
)
def test_every_code_is_snake_case_and_listed_in_the_readme(error_class):
    code = error_class.code
    assert code == code.lower() and code.replace("_", "").isalpha()
    assert f"| `{code}` |" in README
    assert error_class.message and "{" not in error_class.message
