"""The `rig` fixture of tests/work (a real source repo, a shell-runtime formula)."""
from tests.work.conftest import rig  # noqa: F401
