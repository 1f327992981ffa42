"""Classifier and regressor workflows: a class with ``fit`` and ``predict(_proba)``."""

from __future__ import annotations

from typing import Any

from .importing import import_element, take_rows


class Classifier:
    """``classifier.py`` defines class ``Classifier`` with ``fit`` and ``predict_proba``.

    Examples
    --------
    >>> Classifier().element_names
    ['classifier']
    """

    def __init__(self, *, element_name: str = "classifier") -> None:
        self.element_name = element_name

    @property
    def element_names(self) -> list[str]:
        return [self.element_name]

    def train_submission(self, module_path: str, X: Any, y: Any, train_is: Any = None) -> Any:
        model = import_element(module_path, self.element_name).Classifier()
        model.fit(take_rows(X, train_is), take_rows(y, train_is))
        return model

    def test_submission(self, trained_model: Any, X: Any) -> Any:
        return trained_model.predict_proba(X)


class Regressor:
    """``regressor.py`` defines class ``Regressor`` with ``fit`` and ``predict``.

    Examples
    --------
    >>> Regressor().element_names
    ['regressor']
    """

    def __init__(self, *, element_name: str = "regressor") -> None:
        self.element_name = element_name

    @property
    def element_names(self) -> list[str]:
        return [self.element_name]

    def train_submission(self, module_path: str, X: Any, y: Any, train_is: Any = None) -> Any:
        model = import_element(module_path, self.element_name).Regressor()
        model.fit(take_rows(X, train_is), take_rows(y, train_is))
        return model

    def test_submission(self, trained_model: Any, X: Any) -> Any:
        return trained_model.predict(X)
