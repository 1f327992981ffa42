"""The examples in problems.kit's docstrings run and give what they show."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import problems.kit

REPO_ROOT = Path(__file__).resolve().parents[3]


def _kit_modules() -> list[str]:
    return sorted(
        info.name for info in pkgutil.walk_packages(problems.kit.__path__, prefix="problems.kit.")
    )


@pytest.mark.parametrize("module_name", _kit_modules())
def test_docstring_examples(module_name, monkeypatch):
    # Examples name kit folders relative to the repository root.
    monkeypatch.chdir(REPO_ROOT)
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
