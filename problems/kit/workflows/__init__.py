"""Workflows: how a submission's files are trained and asked for predictions."""

from .classifier import Classifier, Regressor
from .estimator import Estimator
from .feature_extractor import FeatureExtractorClassifier, FeatureExtractorRegressor
from .importing import SubmissionFileMissing, import_element, take_rows
from .object_detector import ObjectDetector

__all__ = [
    "Classifier",
    "Estimator",
    "FeatureExtractorClassifier",
    "FeatureExtractorRegressor",
    "ObjectDetector",
    "Regressor",
    "SubmissionFileMissing",
    "import_element",
    "take_rows",
]
