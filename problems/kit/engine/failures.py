"""How a submission fails, and the traceback its author gets to see.

A participant debugging a submission needs the lines of *their* files that led to
the error, not the frames of the engine or the workflow that called them. The
traceback is therefore filtered down to frames under the submission folder; the
exception message itself is always kept.
"""

from __future__ import annotations

import enum
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType


class FailureKind(enum.StrEnum):
    """Why a submission failed; stored with the failed submission."""

    #: A submission file is missing, has a syntax error, or raises on import.
    IMPORT_ERROR = "import_error"
    #: ``train_submission`` (the submission's ``fit``) raised.
    TRAINING_ERROR = "training_error"
    #: ``test_submission`` (the submission's ``predict``) raised.
    PREDICTION_ERROR = "prediction_error"
    #: Predictions came back, but with the wrong rows, columns, type or non-finite values.
    BAD_PREDICTIONS = "bad_predictions"


@dataclass(frozen=True)
class FailureReport:
    """A JSON-able description of a failure: kind, one-line message, filtered traceback."""

    kind: FailureKind
    message: str
    traceback: str
    fold: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "kind": str(self.kind),
            "message": self.message,
            "traceback": self.traceback,
            "fold": self.fold,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> FailureReport:
        fold = data.get("fold")
        return cls(
            kind=FailureKind(str(data["kind"])),
            message=str(data["message"]),
            traceback=str(data["traceback"]),
            fold=fold if isinstance(fold, int) else None,
        )


class SubmissionFailure(Exception):
    """The submission (not the kit, not the engine) failed.

    Attributes
    ----------
    report : FailureReport
        Kind, message and the traceback restricted to the submission's own files.
    """

    def __init__(self, report: FailureReport) -> None:
        super().__init__(f"{report.kind}: {report.message}")
        self.report = report

    @property
    def kind(self) -> FailureKind:
        return self.report.kind


def _is_under(filename: str, folder: Path) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(folder)
    except (OSError, ValueError):
        return False


def submission_traceback(error: BaseException, submission_dir: Path) -> str:
    """Format ``error`` keeping only the stack frames from files in ``submission_dir``.

    When no frame comes from the submission (an error raised before its code ran, or
    inside a library it called with bad arguments from a workflow), the innermost
    frame is kept so the message still says where it was raised.
    """
    folder = submission_dir.resolve()
    frames = traceback.extract_tb(error.__traceback__)
    own = [frame for frame in frames if _is_under(frame.filename, folder)]
    innermost = frames[-1] if frames else None
    # A SyntaxError names its file and line itself; import machinery frames say nothing.
    if (
        not own
        and innermost is not None
        and not isinstance(error, SyntaxError)
        and not innermost.filename.startswith("<frozen")
    ):
        own = [innermost]
    lines = ["Traceback (most recent call last):\n"]
    lines.extend(traceback.format_list(own))
    lines.extend(traceback.format_exception_only(type(error), error))
    return "".join(lines)


def _raised_while_importing(error: BaseException, folder: Path) -> bool:
    if isinstance(error, SyntaxError | ImportError):
        return True
    in_submission = False
    tb: TracebackType | None = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if _is_under(code.co_filename, folder):
            if code.co_name == "<module>":
                return True
            in_submission = True
        tb = tb.tb_next
    # A missing element file is reported by the workflow before any submission code runs.
    return isinstance(error, FileNotFoundError) and not in_submission


def classify_training_error(error: BaseException, submission_dir: Path) -> FailureKind:
    """``import_error`` when ``error`` comes from loading the submission's files."""
    if _raised_while_importing(error, submission_dir.resolve()):
        return FailureKind.IMPORT_ERROR
    return FailureKind.TRAINING_ERROR


def failure_from_exception(
    error: BaseException, kind: FailureKind, submission_dir: Path, fold: int | None
) -> SubmissionFailure:
    """Wrap ``error`` raised by submission code into a :class:`SubmissionFailure`."""
    message = "".join(traceback.format_exception_only(type(error), error)).strip()
    report = FailureReport(
        kind=kind,
        message=message.splitlines()[-1] if message else type(error).__name__,
        traceback=submission_traceback(error, submission_dir),
        fold=fold,
    )
    return SubmissionFailure(report)
