"""The one exception family, and the one place that turns outcomes into exit codes.

0 ok, 1 a GastownError (message, no traceback), 2 usage, 3 a bug (crash log
written, its path printed), 130 interrupted.
"""
from __future__ import annotations

import contextlib
import errno
import os
import sys
import time

TYPE_CHECKING = False  # the git hooks import this: pathlib and typing load only when used
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130
# The file system said no (read-only, no permission, full): the user's to fix, not a bug.
_REFUSED = (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT)


class GastownError(Exception):
    """An expected failure: bad input, a refused operation. Exit 1."""

    exit_code = EXIT_ERROR


class UsageError(GastownError):
    """The command line itself was wrong. Exit 2."""

    exit_code = EXIT_USAGE


class LedgerError(GastownError):
    """A ledger file could not be read: names the file and line."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")


class NotFound(GastownError):
    """A bead, agent or file named by the user does not exist."""


def check_argv(argv: list[str]) -> None:
    """Refuse arguments that are not UTF-8 (the OS hands them over surrogate-escaped)."""
    for position, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise UsageError(f"argument {position} is not UTF-8: {shown!r}") from None


def crash_dir() -> Path:
    from pathlib import Path

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gastown"


def _write_crash_log(prog: str) -> Path:
    import traceback

    directory = crash_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"crash-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{prog} {' '.join(sys.argv[1:])}\n\n")
        f.write(traceback.format_exc())
    return path


@contextlib.contextmanager
def error_handler(prog: str) -> Iterator[None]:
    """Map every way out of a command to its exit code (raises SystemExit)."""
    try:
        yield
    except GastownError as e:
        from gastown.cli.output import printable

        print(f"{prog}: error: {printable(e, multiline=True)}", file=sys.stderr)
        raise SystemExit(e.exit_code) from None
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    except BrokenPipeError:
        # A closed pipe downstream (`bd list | head`) is not our failure.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")
        raise SystemExit(EXIT_OK) from None
    except SystemExit:
        raise
    except OSError as e:
        if e.errno not in _REFUSED:
            _crash(prog, e)
        print(f"{prog}: error: {e.filename or 'a file'}: {e.strerror}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR) from None
    except Exception as e:  # noqa: BLE001 - this is the last resort by design
        _crash(prog, e)


def _crash(prog: str, e: BaseException) -> None:
    log = _write_crash_log(prog)
    print(f"{prog}: internal error: {type(e).__name__}: {e}", file=sys.stderr)
    print(f"{prog}: a crash log was written to {log}", file=sys.stderr)
    raise SystemExit(EXIT_BUG) from None
