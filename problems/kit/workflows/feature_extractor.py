"""Two-step workflows: a feature extractor, then a classifier or a regressor.

``feature_extractor.py`` defines class ``FeatureExtractor`` with ``fit(X, y)`` and
``transform(X)``; its output feeds the second element. Splitting the two lets
organisers give raw data (light curves, images) to participants who only write
features, or only the model.
"""

from __future__ import annotations

from typing import Any

from .classifier import Classifier, Regressor
from .importing import import_element, take_rows


class _FeatureExtractorThen:
    def __init__(self, *, feature_extractor: str, model: Classifier | Regressor) -> None:
        self.feature_extractor = feature_extractor
        self.model = model

    @property
    def element_names(self) -> list[str]:
        return [self.feature_extractor, *self.model.element_names]

    def train_submission(self, module_path: str, X: Any, y: Any, train_is: Any = None) -> Any:
        X_rows, y_rows = take_rows(X, train_is), take_rows(y, train_is)
        extractor = import_element(module_path, self.feature_extractor).FeatureExtractor()
        extractor.fit(X_rows, y_rows)
        features = extractor.transform(X_rows)
        model = self.model.train_submission(module_path, features, y_rows)
        return extractor, model

    def test_submission(self, trained_model: Any, X: Any) -> Any:
        extractor, model = trained_model
        return self.model.test_submission(model, extractor.transform(X))


class FeatureExtractorClassifier(_FeatureExtractorThen):
    """``feature_extractor.py`` then ``classifier.py``.

    Examples
    --------
    >>> FeatureExtractorClassifier().element_names
    ['feature_extractor', 'classifier']
    """

    def __init__(
        self, *, feature_extractor: str = "feature_extractor", classifier: str = "classifier"
    ) -> None:
        super().__init__(
            feature_extractor=feature_extractor, model=Classifier(element_name=classifier)
        )


class FeatureExtractorRegressor(_FeatureExtractorThen):
    """``feature_extractor.py`` then ``regressor.py``.

    Examples
    --------
    >>> FeatureExtractorRegressor().element_names
    ['feature_extractor', 'regressor']
    """

    def __init__(
        self, *, feature_extractor: str = "feature_extractor", regressor: str = "regressor"
    ) -> None:
        super().__init__(
            feature_extractor=feature_extractor, model=Regressor(element_name=regressor)
        )
