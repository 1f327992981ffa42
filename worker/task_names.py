"""Names shared by the web app (which sends tasks) and the workers (which run them).

Standard library only, on purpose: the server never imports worker code, but it may
read these constants (or copy them) to send a task by name with `send_task`.
"""

SCORE_SUBMISSION_TASK = "ramplab.score_submission"
CPU_QUEUE = "cpu"
#: Only workers started with `--queues gpu` (on a machine with a GPU) consume this one.
GPU_QUEUE = "gpu"
