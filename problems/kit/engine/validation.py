"""Checks that a submission's output can be scored.

The same checks run twice: in the sandbox, right after ``test_submission`` (so the
participant learns which call returned nonsense), and in the trusted worker on what
the sandbox wrote (which is untrusted input).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..protocols import PredictionsType

_NUMERIC_KINDS = "biuf"


class BadPredictionsError(ValueError):
    """Predictions with the wrong rows, columns, type, or non-finite values."""


def as_prediction_array(y_pred: Any) -> NDArray[Any]:
    """``y_pred`` as a numpy array; ragged sequences become 1-D object arrays."""
    if isinstance(y_pred, np.ndarray):
        return y_pred
    to_numpy = getattr(y_pred, "to_numpy", None)
    if callable(to_numpy):  # pandas objects: positional rows, not labels
        return np.asarray(to_numpy())
    try:
        return np.asarray(y_pred)
    except ValueError:
        # Lists of variable-length items (detections, sequences) stay objects.
        array = np.empty(len(y_pred), dtype=object)
        for i, item in enumerate(y_pred):
            array[i] = item
        return array


def expects_numeric_predictions(Predictions: PredictionsType) -> bool:
    """Whether the kit's empty container is numeric (most types) or holds objects."""
    try:
        container = np.asarray(Predictions(n_samples=1).y_pred)
    except Exception:
        return False
    return container.dtype.kind in _NUMERIC_KINDS


def validate_predictions(
    Predictions: PredictionsType, y_pred: Any, *, n_rows: int, what: str
) -> NDArray[Any]:
    """Return ``y_pred`` as an array after checking it fits ``Predictions``.

    Parameters
    ----------
    Predictions : PredictionsType
        The kit's predictions class; constructing it checks the columns.
    y_pred : array-like
        What ``test_submission`` returned.
    n_rows : int
        The number of rows that were predicted.
    what : str
        Names the predicted set in error messages (``"X_train"``, ``"X_test"``).

    Raises
    ------
    BadPredictionsError
        With a message that says what is wrong and what was expected.
    """
    if y_pred is None:
        raise BadPredictionsError(f"test_submission returned None for {what}.")
    array = as_prediction_array(y_pred)
    if array.ndim == 0:
        raise BadPredictionsError(
            f"test_submission returned a scalar for {what}; expected one row per sample."
        )
    if len(array) != n_rows:
        raise BadPredictionsError(
            f"test_submission returned {len(array)} rows for the {n_rows} rows of {what}."
        )
    try:
        Predictions(y_pred=array)
    except Exception as error:
        raise BadPredictionsError(
            f"Predictions for {what} (shape {array.shape}, dtype {array.dtype}) do not fit "
            f"the kit's prediction type: {error}"
        ) from error
    if expects_numeric_predictions(Predictions):
        if array.dtype.kind not in _NUMERIC_KINDS:
            raise BadPredictionsError(
                f"Predictions for {what} have dtype {array.dtype}; expected numbers."
            )
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            n_bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
            raise BadPredictionsError(
                f"Predictions for {what} contain {n_bad} NaN or infinite values."
            )
    return array
