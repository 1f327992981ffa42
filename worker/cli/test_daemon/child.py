"""The forked child: take on the client's process state, run its command, exit.

Whatever a fresh ``ramplab test`` would get from its shell is taken from the request
(working folder, environment, umask, argv, stdin/stdout/stderr); whatever it would get
from the interpreter's start is already the same in the daemon (the environment key
checks it); what the daemon would otherwise share with every run is reset here
(numpy's global random state, signal handlers).
"""

from __future__ import annotations

import io
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from ..fast_exit import finish


def _text_stream(fd: int, mode: str, encoding: list[str], line_buffering: bool) -> TextIO:
    raw = open(fd, mode + "b", closefd=False)  # noqa: SIM115 - lives as long as the process
    name, errors = encoding
    return io.TextIOWrapper(raw, encoding=name, errors=errors, line_buffering=line_buffering)


def _take_standard_streams(fds: Sequence[int], encodings: dict[str, list[str]]) -> None:
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        if fd > 2:
            os.close(fd)
    # Python picks line buffering for stdout when it is a terminal; stderr always is.
    # (sys.__stdout__ and co. keep writing to fds 0-2, which now are the client's.)
    sys.stdin = _text_stream(0, "r", encodings["stdin"], False)
    sys.stdout = _text_stream(1, "w", encodings["stdout"], os.isatty(1))
    sys.stderr = _text_stream(2, "w", encodings["stderr"], True)


def _reset_random_state() -> None:
    # The stdlib's random reseeds itself after a fork; numpy's global state does not,
    # and every run would otherwise draw the same "random" numbers.
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def become_client(request: dict[str, Any], fds: Sequence[int]) -> None:
    """Turn this forked process into the requesting command's process."""
    os.setpgid(0, 0)  # its own group, so a forwarded signal reaches the fold workers too
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    _take_standard_streams(fds, request["encodings"])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["environ"])
    os.umask(int(request["umask"]))
    sys.argv = list(request["argv"])
    sys.path[:] = request["path"]
    _reset_random_state()


def _exit_code(exit: SystemExit) -> int:
    # What the interpreter makes of sys.exit(...) at top level.
    if exit.code is None:
        return 0
    if isinstance(exit.code, int):
        return exit.code
    print(exit.code, file=sys.stderr)
    return 1


def run_command(main: Callable[[], int]) -> NoReturn:
    """Run ``main`` and exit with its code, as the ``ramplab`` script would."""
    try:
        code = main()
    except SystemExit as exit:
        code = _exit_code(exit)
    except KeyboardInterrupt:
        traceback.print_exc()
        sys.stderr.flush()
        # An interrupted Python dies of SIGINT, so its shell sees that, not a code.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        code = 130
    except BaseException:
        traceback.print_exc()
        code = 1
    finish(code)
