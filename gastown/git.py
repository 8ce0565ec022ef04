"""Every git call gastown makes on a hot path goes through here (plain subprocesses).

GitPython is kept for the places where its object API helps; here speed and exact
bytes matter, so it is `git` itself, with the hook environment scrubbed.
"""
from __future__ import annotations

import os
import time

from gastown.errors import GastownError

TYPE_CHECKING = False  # the git hooks import this: subprocess and typing load when used
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Mapping, Sequence

# Variables git exports to hooks; a hook that runs git on another repository or
# worktree must not inherit them (pre-commit's `no_git_env` does the same).
_KEEP_GIT_VARS = {
    "GIT_EXEC_PATH", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSL_CAINFO", "GIT_SSL_NO_VERIFY",
    "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_SYSTEM", "GIT_TEMPLATE_DIR",
    "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
    "GIT_TRACE", "GIT_TRACE_PERFORMANCE", "GIT_TRACE2", "GIT_TRACE2_EVENT", "GIT_TRACE2_PERF",
}


class GitError(GastownError):
    def __init__(self, args: Sequence[str], code: int, stderr: str) -> None:
        self.args_ = list(args)
        self.code = code
        self.stderr = stderr
        super().__init__(f"git {' '.join(args)} failed ({code}): {stderr.strip()}")


def no_git_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if env is None else env)
    return {k: v for k, v in env.items() if not k.startswith("GIT_") or k in _KEEP_GIT_VARS}


def _is_lock_contention(stderr: str) -> bool:
    return ".lock': File exists" in stderr or ("Unable to create" in stderr and ".lock" in stderr)


def git(
    cwd: str | os.PathLike[str],
    *args: str,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    lock_wait: float = 10.0,
    scrub: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run git in `cwd`; retry while another git process holds an index or ref lock.

    `scrub` drops the GIT_* variables a hook inherits (they name the repository the
    hook runs for); a hook reading its own repository's index passes scrub=False.
    """
    import subprocess

    full_env = no_git_env(env) if scrub else dict(os.environ if env is None else env)
    deadline = time.monotonic() + lock_wait
    delay = 0.01
    while True:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=input, env=full_env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if proc.returncode == 0 or not check:
            return proc
        stderr = proc.stderr.decode(errors="replace")
        if _is_lock_contention(stderr) and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
            continue
        raise GitError(args, proc.returncode, stderr)


class Running:
    """A read-only git command started in the background (`start`); `output()` waits.

    Started with os.posix_spawnp, not subprocess: the pre-commit hook starts its
    queries first thing, and importing subprocess would delay every commit by ~4 ms.
    """

    def __init__(self, cwd: str | os.PathLike[str], args: tuple[str, ...], scrub: bool) -> None:
        self.args = args
        self._result: bytes | None = None
        out_r, out_w = os.pipe()  # not inheritable: the child gets only the dup2 copies
        err_r, err_w = os.pipe()
        null = os.open(os.devnull, os.O_RDONLY)
        try:
            self.pid = os.posix_spawnp(
                "git", ["git", "-C", os.fspath(cwd), *args], no_git_env() if scrub else os.environ,
                file_actions=[(os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                              (os.POSIX_SPAWN_DUP2, err_w, 2)])
        except OSError:
            os.close(out_r)
            os.close(err_r)
            raise
        finally:
            for fd in (null, out_w, err_w):
                os.close(fd)
        self._stdout, self._stderr = out_r, err_r

    def output(self) -> bytes:
        if self._result is None:
            # stdout to its end first, then stderr: these read-only queries write only a
            # line or two to stderr, far below what would fill its pipe and stall git.
            stdout, stderr = _drain(self._stdout), _drain(self._stderr)
            code = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            if code:
                raise GitError(self.args, code, stderr.decode(errors="replace"))
            self._result = stdout
        return self._result


def _drain(fd: int) -> bytes:
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def start(cwd: str | os.PathLike[str], *args: str, scrub: bool = True) -> Running:
    """Start a read-only git command and go on working while it runs."""
    return Running(cwd, args, scrub)


# `git diff --cached -U0` of ledger files, as the pre-commit reads it. Explicit prefixes:
# a person's diff.mnemonicPrefix must not change the paths read back.
STAGED_LINES = ("diff", "--cached", "-U0", "--no-color", "--no-ext-diff", "--text",
                "--no-renames", "--src-prefix=a/", "--dst-prefix=b/", "--")


# What pre-commit asks first: the paths it changes, and the ledger's staged blob ids.
STAGED_CHANGES = ("diff", "--cached", "--raw", "--no-renames", "--no-abbrev", "--",
                  "beads", "formulas", "rigs")
STAGED_BLOBS = ("ls-files", "-s", "--", "beads")


LEDGER_LINES = (*STAGED_LINES, "beads")
Started = dict[tuple[str, ...], Running]


def start_staged(cwd: str | os.PathLike[str], *queries: tuple[str, ...]) -> Started:
    """Start these read-only queries of the staged tree at once, by their arguments. In a
    hook, GIT_INDEX_FILE names the index being committed (a temporary one for `git commit
    --only`): kept."""
    return {args: start(cwd, *args, scrub=False) for args in queries}


def out(cwd: str | os.PathLike[str], *args: str, **kw: object) -> str:
    """git's stdout as text without the trailing newline."""
    return git(cwd, *args, **kw).stdout.decode().rstrip("\n")  # type: ignore[arg-type]


# Requests up to this size fit a pipe's buffer: written at once, then the answer is read
# whole (communicate()'s 32 KB select loop costs ~4 ms on a 13 MB answer).
_SMALL_REQUEST = 16 * 1024


def _cat_file_batch(root: str | os.PathLike[str], request: bytes) -> bytes:
    import subprocess

    if len(request) > _SMALL_REQUEST:
        return subprocess.run(["git", "cat-file", "--batch"], cwd=root, env=no_git_env(),
                              input=request, capture_output=True, check=True).stdout
    proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, env=no_git_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(request)
    proc.stdin.close()
    data = proc.stdout.read()
    proc.stdout.close()
    if proc.wait():
        raise subprocess.CalledProcessError(proc.returncode, ["git", "cat-file", "--batch"])
    return data


def read_blobs(root: str | os.PathLike[str], shas: list[str]) -> dict[str, bytes]:
    """Blob contents by sha, in one `git cat-file --batch` (the null sha reads empty)."""
    wanted = sorted({s for s in shas if set(s) != {"0"}})
    out: dict[str, bytes] = {s: b"" for s in shas if set(s) == {"0"}}
    if not wanted:
        return out
    data, pos = _cat_file_batch(root, "".join(f"{s}\n" for s in wanted).encode()), 0
    for sha in wanted:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        if header[1] == b"missing":
            out[sha] = b""
            pos = end + 1
            continue
        size = int(header[2])
        out[sha] = data[end + 1:end + 1 + size]
        pos = end + 1 + size + 1
    return out
