"""Score types: scikit-learn metrics with a name, precision, direction and bounds."""

from . import detection
from .accuracy import Accuracy, ClassificationError
from .ams import AMS, approximate_median_significance
from .balanced_accuracy import BalancedAccuracy
from .base import BaseScoreType, BinaryProbabilityScoreType, ClassifierScoreType
from .brier_score import BrierScore
from .combined import Combined
from .f1_above import F1Above
from .macro_averaged_recall import MacroAveragedRecall
from .negative_log_likelihood import NegativeLogLikelihood
from .regression import MARE, RMSE, RelativeRMSE
from .roc_auc import ROCAUC
from .weighted_roc_auc import WeightedROCAUC

__all__ = [
    "AMS",
    "MARE",
    "RMSE",
    "ROCAUC",
    "Accuracy",
    "BalancedAccuracy",
    "BaseScoreType",
    "BinaryProbabilityScoreType",
    "BrierScore",
    "ClassificationError",
    "ClassifierScoreType",
    "Combined",
    "F1Above",
    "MacroAveragedRecall",
    "NegativeLogLikelihood",
    "RelativeRMSE",
    "WeightedROCAUC",
    "approximate_median_significance",
    "detection",
]
