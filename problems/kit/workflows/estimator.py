"""The scikit-learn estimator workflow: ``estimator.py`` defines ``get_estimator()``."""

from __future__ import annotations

from typing import Any

from sklearn.base import is_classifier

from .importing import import_element, take_rows
from .single_file import SingleFileWorkflow


class Estimator(SingleFileWorkflow):
    """Fit the estimator returned by the submission's ``get_estimator()``.

    Classifiers are asked for ``predict_proba``, other estimators for ``predict``.

    Parameters
    ----------
    element_name : str
        The submission file, without ``.py``.

    Examples
    --------
    >>> Estimator().element_names
    ['estimator']
    """

    def __init__(self, *, element_name: str = "estimator") -> None:
        super().__init__(element_name=element_name)

    # The module exposes a factory, not a class to instantiate.
    def train_submission(self, module_path: str, X: Any, y: Any, train_is: Any = None) -> Any:
        module = import_element(module_path, self.element_name)
        estimator = module.get_estimator()
        return estimator.fit(take_rows(X, train_is), take_rows(y, train_is))

    def test_submission(self, trained_model: Any, X: Any) -> Any:
        if is_classifier(trained_model):
            return trained_model.predict_proba(X)
        return trained_model.predict(X)
