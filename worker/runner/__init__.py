"""The only ramplab code that runs inside the sandbox.

It imports `problems.kit` and the standard library (numpy and pandas through the kit),
never `server` or the rest of `worker`: the sandbox holds no credentials and no test
labels. Entry point: ``python -m worker.runner --job /job``.
"""
