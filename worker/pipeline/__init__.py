"""The trusted side of scoring: prepare a job, run it in a sandbox, score, store.

`process_submission(submission_id, worker_id=...)` is the whole of it, shared by the
Celery task and the embedded worker; `run_job` is the database-free part.
"""

from worker.pipeline.execute import JobRequest, run_job
from worker.pipeline.outcome import Outcome, PlatformError
from worker.pipeline.process import Report, Result, process_submission

__all__ = [
    "JobRequest",
    "Outcome",
    "PlatformError",
    "Report",
    "Result",
    "process_submission",
    "run_job",
]
