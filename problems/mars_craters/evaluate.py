"""Train one submission on the whole training set and score it on the test set.

``python problems/mars_craters/evaluate.py SUBMISSION`` prints every score: one model, no
cross-validation, so it is quicker than ``ramplab test`` (which trains one model per
fold) for the slow torch submissions. The README's figures come from it.
"""

import sys
import time
from pathlib import Path

from problems.kit import load_kit

KIT_DIR = Path(__file__).resolve().parent


def main(submission: str) -> None:
    kit = load_kit(KIT_DIR)
    X_train, y_train = kit.get_train_data()
    X_test, y_test = kit.get_test_data()
    started = time.process_time()
    model = kit.workflow.train_submission(
        str(KIT_DIR / "submissions" / submission), X_train, y_train
    )
    print(f"trained in {time.process_time() - started:.0f} s of CPU time")
    predictions = kit.Predictions(y_pred=kit.workflow.test_submission(model, X_test))
    truth = kit.Predictions(y_true=y_test)
    for score_type in kit.score_types:
        value = score_type.score_function(truth, predictions)
        print(f"{score_type.name:>10}  {value:.{score_type.precision}f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "starting_kit")
