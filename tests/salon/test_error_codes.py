"""R71: every refusal has its own class with a stable snake_case code, listed in the README.

Every app's `errors.py` is imported (found on disk, not listed by hand), so a new app's
codes are checked as soon as it has one.
"""

import importlib
import inspect
import re
from collections import defaultdict
from pathlib import Path

import pytest

from salon.errors import DomainError, all_error_classes
from salon.project_apps import PROJECT_APPS

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


def modules_declaring_codes():
    """Every module of the project's apps with a class body setting `code` (errors.py, and
    the few refusals kept beside their rule, such as salon/limits.py)."""
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            if re.search(r"^    code = ", path.read_text(), re.MULTILINE):
                yield ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_no_two_error_classes_declare_one_code():  # R71, #12
    """A code names one broken rule: two classes with one code are either the same rule
    written twice (one class in the lowest app that owns it, imported by the others) or two
    rules an API client can't tell apart (one is renamed). A subclass that words the rule
    for its use case keeps its base's code (accounts.errors.SignInLocked)."""
    for module in modules_declaring_codes():
        importlib.import_module(module)
    by_code = defaultdict(list)
    for cls in all_error_classes():
        by_code[cls.code].append(cls)
    shared = {
        code: sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes)
        for code, classes in by_code.items()
        if not any(all(issubclass(cls, root) for cls in classes) for root in classes)
    }
    assert shared == {}
