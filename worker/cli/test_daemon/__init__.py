"""A preloaded process that ``ramplab test`` runs through, so repeated runs skip start-up.

Importing numpy, pandas, SciPy and scikit-learn takes 1.5-2 s, which is most of a
``ramplab test`` on a small kit. The first ``ramplab test`` starts a daemon in the
background that imports them once and then waits on a Unix socket. Every later run
connects to it (``client``), hands over its argv, working folder, environment and
stdin/stdout/stderr, and the daemon forks a child that becomes that command (``child``)
and runs it; only the exit status travels back. Nothing of a run survives into the
next: kit and submission code are imported in the forked child only, never in the
daemon, so each run sees the files as they are now.

What keeps the daemon honest (``environment``):

- the daemon serves only commands whose interpreter, ``sys.path``, interpreter flags,
  import-relevant environment variables, resource limits, priority, CPU set, cgroup
  and namespaces match its own (the socket's name is a digest of them);
- before each run it checks that no module file it imported has changed since (an
  upgraded library or an edited ramplab); if one has, it exits and a fresh one starts;
- only its own user can reach it (a 0700 folder, and the peer's uid is checked);
- it exits after :data:`~worker.cli.test_daemon.server.IDLE_MINUTES` idle minutes.

``RAMPLAB_TEST_DAEMON=0`` or ``ramplab test --no-daemon`` runs in the command's own
process instead; ``ramplab test --stop-daemon`` stops the user's daemons.
"""
