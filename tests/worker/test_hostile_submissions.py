"""Hostile and broken submissions end in the right failed state; the worker carries on.

The raw sandbox attacks are tested in tests/worker/sandbox; here each failure goes
through the whole pipeline (Celery task, sandbox, untrusted output, stored state) and
the participant's view is checked: the state, the failure kind and the log.
"""

from __future__ import annotations

import textwrap

import pytest

from server.models import FailureKind, SubmissionState

from .helpers import IRIS, STARTING_KIT, MiB, create_iris_event, finished, fold_result_count, submit


def estimator(body: str) -> dict[str, str]:
    return {"estimator.py": textwrap.dedent(body)}


READS_TEST_LABELS = estimator(f"""
    import os

    CANDIDATES = [
        "{IRIS}/data/test.csv",
        "/job/kit/data/test.csv",
        "../kit/data/test.csv",
        os.path.join(os.path.dirname(__file__), "..", "kit", "data", "test.csv"),
    ]

    def get_estimator():
        found = [path for path in CANDIDATES if os.path.exists(path)]
        if found:
            raise RuntimeError(f"LEAKED test labels at {{found}}")
        raise FileNotFoundError("no test labels anywhere")
""")

SLEEPS_FOREVER = estimator("""
    import time
    from sklearn.dummy import DummyClassifier

    class Slow(DummyClassifier):
        def fit(self, X, y):
            time.sleep(600)

    def get_estimator():
        return Slow()
""")

EATS_MEMORY = estimator("""
    import numpy as np
    from sklearn.dummy import DummyClassifier

    class Greedy(DummyClassifier):
        def fit(self, X, y):
            hog = np.ones((4 * 1024, 1024, 1024 // 8))  # 4 GiB, touched
            return super().fit(X, y)

    def get_estimator():
        return Greedy()
""")

SYNTAX_ERROR = estimator("""
    def get_estimator()
        return None
""")

RAISES_IN_FIT = estimator("""
    from sklearn.dummy import DummyClassifier

    class Broken(DummyClassifier):
        def fit(self, X, y):
            return self.explode(X)

        def explode(self, X):
            raise ValueError("boom in fit")

    def get_estimator():
        return Broken()
""")

PREDICTS_NAN = estimator("""
    import numpy as np
    from sklearn.dummy import DummyClassifier

    class Nan(DummyClassifier):
        def predict_proba(self, X):
            return np.full((len(X), 3), np.nan)

    def get_estimator():
        return Nan()
""")


@pytest.mark.slow
def test_hostile_submissions_fail_with_the_right_kind(db, test_redis, start_worker):
    worker = start_worker(sandbox="bubblewrap")
    event_id = create_iris_event(db, time_limit_seconds=60, memory_limit_bytes=512 * MiB)
    short_event_id = create_iris_event(db, time_limit_seconds=6)
    cases = {
        "reads test labels": (event_id, READS_TEST_LABELS, FailureKind.TRAINING_ERROR),
        "sleeps forever": (short_event_id, SLEEPS_FOREVER, FailureKind.TIMEOUT),
        "eats memory": (event_id, EATS_MEMORY, FailureKind.OUT_OF_MEMORY),
        "syntax error": (event_id, SYNTAX_ERROR, FailureKind.IMPORT_ERROR),
        "raises in fit": (event_id, RAISES_IN_FIT, FailureKind.TRAINING_ERROR),
        "predicts NaN": (event_id, PREDICTS_NAN, FailureKind.BAD_PREDICTIONS),
    }
    ids = {name: submit(db, event, files) for name, (event, files, _) in cases.items()}
    # Submitted last, it runs after all the others: the worker must still be fine.
    healthy_id = submit(db, event_id, STARTING_KIT)

    rows = finished(db, [*ids.values(), healthy_id], timeout=240, describe=worker.output)
    by_name = dict(zip([*ids, "healthy"], rows))
    kinds = {name: by_name[name].failure_kind for name in cases}
    assert kinds == {name: expected for name, (_, _, expected) in cases.items()}
    for name in cases:
        row = by_name[name]
        assert row.state is SubmissionState.FAILED, name
        assert row.charged_to_quota, name
        assert fold_result_count(db, row.id) == 0, name

    assert "no test labels anywhere" in by_name["reads test labels"].failure_log
    assert "LEAKED" not in by_name["reads test labels"].failure_log
    assert "time limit of 6 s" in by_name["sleeps forever"].failure_log
    assert "line 2" in by_name["syntax error"].failure_log
    fit_log = by_name["raises in fit"].failure_log
    assert "ValueError: boom in fit" in fit_log
    assert "estimator.py" in fit_log and "explode" in fit_log
    # Only the submission's frames: nothing of the engine, the workflow or the runner.
    assert "problems/kit" not in fit_log and "worker/runner" not in fit_log
    assert "NaN" in by_name["predicts NaN"].failure_log

    assert by_name["healthy"].state is SubmissionState.SCORED
    assert worker.alive
