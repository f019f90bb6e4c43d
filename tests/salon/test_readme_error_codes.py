"""R71: the README lists the codes of the platform's refusals that live outside an app's
errors.py (tests/salon/test_error_codes.py reads those): the Idempotency-Key header and
strict input (R74, R76)."""

import importlib
import inspect
from pathlib import Path

import pytest

from salon.errors import DomainError

MODULES = ["salon.api.idempotency", "salon.limits"]
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def error_classes():
    for name in MODULES:
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, DomainError) and cls.__module__ == name:
                yield cls


@pytest.mark.parametrize("error_class", list(error_classes()), ids=lambda cls: cls.__name__)
def test_r71_every_code_is_snake_case_and_listed_in_the_readme(error_class):
    assert error_class.code.replace("_", "").isalpha()
    assert error_class.code == error_class.code.lower()
    assert f"| `{error_class.code}` |" in README
