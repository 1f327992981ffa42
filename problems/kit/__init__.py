"""problems.kit: the kit-authoring library implementing the RAMP kit protocol.

A kit's ``problem.py`` uses it like this::

    from problems import kit

    problem_title = "Iris classification"

    class Predictions(kit.predictions.Multiclass):
        label_names = ("setosa", "versicolor", "virginica")

    workflow = kit.workflows.Estimator()
    score_types = [kit.score_types.Accuracy(), kit.score_types.NegativeLogLikelihood()]

    def get_cv(X, y): ...
    def get_train_data(path="."): ...
    def get_test_data(path="."): ...

It imports no server, worker, web, database or Docker code: it also runs inside the
submission sandbox.
"""

from . import data, predictions, score_types, workflows
from .loader import Kit, KitError, load_kit

__all__ = ["Kit", "KitError", "data", "load_kit", "predictions", "score_types", "workflows"]
