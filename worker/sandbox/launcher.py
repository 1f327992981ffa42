"""The first process of every sandbox: runs the command, then ships the output directory.

The output directory is a size-limited tmpfs that vanishes with the sandbox (its mount
namespace for bubblewrap, its mounts for Docker, which unmounts a tmpfs volume when the
container stops). So this stdlib-only launcher runs the command as a child and, once it
has exited, writes the output directory as a tar stream to `archive_fd`; the worker reads
that stream with a cap. Sandboxed code can tamper with the stream (it runs as the same
user) but only to spoil its own output, which the worker distrusts anyway.

With `archive_fd` 1 (Docker: the container's stdout), the command's stdout is sent to
stderr, so the worker reads the log from stderr and the archive from stdout.
"""

from __future__ import annotations

from collections.abc import Sequence

from worker.sandbox.spec import OUTPUT_DIR

# posix_spawn rather than subprocess: importing subprocess costs more than the spawn.
LAUNCHER_SOURCE = f"""
import os, signal, sys
fd = int(sys.argv[1])
os.set_inheritable(fd, False)
redirect = [(os.POSIX_SPAWN_DUP2, 2, 1)] if fd == 1 else []
try:
    pid = os.posix_spawnp(
        sys.argv[2], sys.argv[2:], os.environ, file_actions=redirect,
        setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
    )
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
except OSError as error:
    print(f"sandbox: cannot run {{sys.argv[2]}}: {{error}}", file=sys.stderr)
    code = 127
import tarfile
try:
    with os.fdopen(fd, "wb") as sink, tarfile.open(fileobj=sink, mode="w|") as tar:
        tar.add({OUTPUT_DIR!r}, arcname="output")
except OSError as error:
    print(f"sandbox: output directory not collected: {{error}}", file=sys.stderr)
sys.exit(code if code >= 0 else 128 - code)
"""


def launcher_argv(python: str, archive_fd: int, argv: Sequence[str]) -> list[str]:
    """The command line that runs `argv` under the launcher (`-I -S`: stdlib only, fast)."""
    return [python, "-I", "-S", "-c", LAUNCHER_SOURCE, str(archive_fd), *argv]
