"""Prediction types: how a kit's predictions and ground truth are held and combined."""

from .base import BasePredictions
from .detection import DetectionPredictions
from .multiclass import Multiclass
from .regression import Regression

__all__ = ["BasePredictions", "DetectionPredictions", "Multiclass", "Regression"]
