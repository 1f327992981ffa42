"""Workflows: how a submission's files are trained and asked for predictions."""

from .classifier import Classifier, Regressor
from .estimator import Estimator
from .feature_extractor import FeatureExtractorClassifier, FeatureExtractorRegressor
from .importing import SubmissionFileMissing, import_element, take_rows

__all__ = [
    "Classifier",
    "Estimator",
    "FeatureExtractorClassifier",
    "FeatureExtractorRegressor",
    "Regressor",
    "SubmissionFileMissing",
    "import_element",
    "take_rows",
]
