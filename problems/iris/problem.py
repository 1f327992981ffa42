"""Iris: tell three iris species apart from four flower measurements."""

from sklearn.model_selection import StratifiedShuffleSplit

from problems import kit

problem_title = "Iris classification"


class Predictions(kit.predictions.Multiclass):
    label_names = ("setosa", "versicolor", "virginica")


workflow = kit.workflows.Estimator()

score_types = [
    kit.score_types.Accuracy(name="accuracy", precision=4),
    kit.score_types.ClassificationError(name="error", precision=4),
    kit.score_types.NegativeLogLikelihood(name="nll", precision=4),
    kit.score_types.F1Above(name="f1_70", threshold=0.7, precision=4),
]


def get_cv(X, y):
    cv = StratifiedShuffleSplit(n_splits=8, test_size=0.2, random_state=57)
    return cv.split(X, y)


def get_train_data(path="."):
    return kit.data.read_csv_split(path, "train.csv", target="species")


def get_test_data(path="."):
    return kit.data.read_csv_split(path, "test.csv", target="species")
