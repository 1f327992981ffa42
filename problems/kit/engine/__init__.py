"""Train, predict and score submissions: the engine behind ``ramplab test`` and the worker.

Split along the trust boundary (see DESIGN.md):

- :mod:`.train` runs *inside* the sandbox: it sees ``X_train``, ``y_train``, ``X_test``
  and the folds, never the test labels, and returns :class:`FoldPredictions` or raises
  :class:`SubmissionFailure`.
- :mod:`.transfer` writes those predictions to disk in the sandbox and reads them back,
  distrustfully, in the worker.
- :mod:`.scoring` runs in the trusted worker: fold and bagged scores, as ramp-test
  computes them.
- :mod:`.local` runs all of that on this machine, folds in parallel processes, and
  :mod:`.output` writes and reads ramp-test's ``training_output/`` layout.

Examples
--------
>>> from problems.kit import load_kit
>>> from problems.kit.engine import load_kit_data, run_submission_locally
>>> kit = load_kit("problems/iris")
>>> data = load_kit_data(kit, quick_test=True)
>>> scores, _ = run_submission_locally(kit, kit.path / "submissions/starting_kit", data)
>>> len(scores.folds)
2
"""

from .failures import FailureKind, FailureReport, SubmissionFailure
from .fold_pool import FoldEvent, ProgressCallback
from .local import (
    KitData,
    load_kit_data,
    ramp_test_mode,
    run_submission_locally,
    train_folds_locally,
)
from .output import (
    TrainingOutput,
    read_bagged_scores,
    read_training_output,
    save_training_output,
)
from .results import BaggedScores, FoldScores, SubmissionScores
from .scoring import FoldScorer, check_score_types, score_submission
from .train import FoldPredictions, FoldTimes, train_fold
from .transfer import (
    UntrustedOutputError,
    read_failure,
    read_fold_predictions,
    write_failure,
    write_fold_predictions,
)
from .validation import BadPredictionsError, validate_predictions

__all__ = [
    "BadPredictionsError",
    "BaggedScores",
    "FailureKind",
    "FailureReport",
    "FoldEvent",
    "FoldPredictions",
    "FoldScorer",
    "FoldScores",
    "FoldTimes",
    "KitData",
    "ProgressCallback",
    "SubmissionFailure",
    "SubmissionScores",
    "TrainingOutput",
    "UntrustedOutputError",
    "check_score_types",
    "load_kit_data",
    "ramp_test_mode",
    "read_bagged_scores",
    "read_failure",
    "read_fold_predictions",
    "read_training_output",
    "run_submission_locally",
    "save_training_output",
    "score_submission",
    "train_fold",
    "train_folds_locally",
    "validate_predictions",
    "write_failure",
    "write_fold_predictions",
]
