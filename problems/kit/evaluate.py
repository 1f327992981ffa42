"""Train one submission on the whole training set and score it on the test set.

``python -m problems.kit.evaluate KIT_DIR [SUBMISSION]`` prints every score of one model
trained without cross-validation: quicker than ``ramplab test`` (one model per fold) for
slow submissions such as the torch ones, whose README figures come from it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .loader import Kit, load_kit


def score_on_test(kit: Kit, submission_dir: str | Path) -> tuple[dict[str, float], float]:
    """Train on all of the training data, score on the test set.

    Parameters
    ----------
    kit : Kit
    submission_dir : str or Path

    Returns
    -------
    scores : dict
        Score name to value, in the kit's order.
    cpu_seconds : float
        Processor time spent training.
    """
    X_train, y_train = kit.get_train_data()
    X_test, y_test = kit.get_test_data()
    started = time.process_time()
    model = kit.workflow.train_submission(str(submission_dir), X_train, y_train)
    cpu_seconds = time.process_time() - started
    predictions = kit.Predictions(y_pred=kit.workflow.test_submission(model, X_test))
    truth = kit.Predictions(y_true=y_test)
    scores = {st.name: st.score_function(truth, predictions) for st in kit.score_types}
    return scores, cpu_seconds


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``KIT_DIR [SUBMISSION]`` (``starting_kit`` by default)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments:
        print("usage: python -m problems.kit.evaluate KIT_DIR [SUBMISSION]", file=sys.stderr)
        return 2
    kit = load_kit(arguments[0])
    submission = arguments[1] if len(arguments) > 1 else "starting_kit"
    scores, cpu_seconds = score_on_test(kit, kit.submissions_dir / submission)
    print(f"trained in {cpu_seconds:.0f} s of CPU time")
    for score_type in kit.score_types:
        print(f"{score_type.name:>10}  {scores[score_type.name]:.{score_type.precision}f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
