"""Classifier and regressor workflows: a class with ``fit`` and ``predict(_proba)``."""

from __future__ import annotations

from typing import Any

from .single_file import SingleFileWorkflow


class Classifier(SingleFileWorkflow):
    """``classifier.py`` defines class ``Classifier`` with ``fit`` and ``predict_proba``.

    Examples
    --------
    >>> Classifier().element_names
    ['classifier']
    """

    model_class = "Classifier"

    def __init__(self, *, element_name: str = "classifier") -> None:
        super().__init__(element_name=element_name)

    def test_submission(self, trained_model: Any, X: Any) -> Any:
        return trained_model.predict_proba(X)


class Regressor(SingleFileWorkflow):
    """``regressor.py`` defines class ``Regressor`` with ``fit`` and ``predict``.

    Examples
    --------
    >>> Regressor().element_names
    ['regressor']
    """

    model_class = "Regressor"

    def __init__(self, *, element_name: str = "regressor") -> None:
        super().__init__(element_name=element_name)

    def test_submission(self, trained_model: Any, X: Any) -> Any:
        return trained_model.predict(X)
