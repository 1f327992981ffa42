"""A ramp-workflow titanic kit with twelve diverse submissions' saved training output.

The submissions are real scikit-learn models trained on each fold (as ramp-test would),
written in the ``training_output/`` layout both ramp-test and ramplab use. Several are
tree models with coarse probabilities, so ROC AUC and accuracy ties are frequent: the
tie-breaking of the fast blender is exercised, not just its arithmetic.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

FIXTURE_KIT = Path(__file__).parents[2] / "fixtures" / "rampwf_titanic"

MODELS: dict[str, Any] = {
    "logreg_c1": make_pipeline(StandardScaler(), LogisticRegression(C=1.0)),
    "logreg_c001": make_pipeline(StandardScaler(), LogisticRegression(C=0.01)),
    "tree_depth2": DecisionTreeClassifier(max_depth=2, random_state=0),
    "tree_depth4": DecisionTreeClassifier(max_depth=4, random_state=0),
    "tree_depth8": DecisionTreeClassifier(max_depth=8, random_state=0),
    "forest_small": RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0),
    "forest": RandomForestClassifier(n_estimators=10, max_depth=6, random_state=1),
    "extra_trees": ExtraTreesClassifier(n_estimators=8, max_depth=5, random_state=2),
    "knn5": make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5)),
    "knn15": make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=15)),
    "naive_bayes": GaussianNB(),
    "stump": DecisionTreeClassifier(max_depth=1, random_state=0),
}


def load_problem(kit_dir: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"blend_kit_{kit_dir.name}", kit_dir / "problem.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _features(X: Any) -> np.ndarray:
    numeric = X[["Pclass", "Age", "SibSp", "Parch", "Fare"]].astype(float)
    numeric = numeric.fillna(numeric.median())
    male = (X["Sex"] == "male").astype(float)
    return np.column_stack([numeric.to_numpy(), male.to_numpy()])


def write_training_outputs(kit_dir: Path) -> list[str]:
    """Train every model on every fold and save its predictions; return the names."""
    problem = load_problem(kit_dir)
    X_train, y_train = problem.get_train_data(str(kit_dir))
    X_test, _ = problem.get_test_data(str(kit_dir))
    features_train, features_test = _features(X_train), _features(X_test)
    folds = list(problem.get_cv(X_train, y_train))
    for name, model in MODELS.items():
        for fold, (train_is, _) in enumerate(folds):
            fitted = clone(model).fit(features_train[train_is], y_train[train_is])
            fold_dir = kit_dir / "submissions" / name / "training_output" / f"fold_{fold}"
            fold_dir.mkdir(parents=True)
            np.savez_compressed(
                fold_dir / "y_pred_train", y_pred=fitted.predict_proba(features_train)
            )
            np.savez_compressed(
                fold_dir / "y_pred_test", y_pred=fitted.predict_proba(features_test)
            )
    return list(MODELS)


@pytest.fixture(scope="session")
def titanic_blend_kit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A copy of the ramp-workflow titanic kit whose submissions have training output."""
    kit_dir = tmp_path_factory.mktemp("blend") / "titanic"
    shutil.copytree(FIXTURE_KIT, kit_dir)
    shutil.rmtree(kit_dir / "submissions")
    return kit_dir, write_training_outputs(kit_dir)
