"""Titanic: predict which passengers survived, from their ticket and family data."""

from sklearn.model_selection import StratifiedShuffleSplit

from problems import kit

problem_title = "Titanic survival"


class Predictions(kit.predictions.Multiclass):
    label_names = (0, 1)


workflow = kit.workflows.Estimator()

score_types = [
    kit.score_types.ROCAUC(name="auc", precision=3),
    kit.score_types.Accuracy(name="accuracy", precision=3),
    kit.score_types.NegativeLogLikelihood(name="nll", precision=3),
    kit.score_types.BrierScore(name="brier", precision=3),
]


def get_cv(X, y):
    cv = StratifiedShuffleSplit(n_splits=8, test_size=0.2, random_state=57)
    return cv.split(X, y)


def get_train_data(path="."):
    return kit.data.read_csv_split(path, "train.csv", target="Survived")


def get_test_data(path="."):
    return kit.data.read_csv_split(path, "test.csv", target="Survived")
