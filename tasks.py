"""`inv -l` lists every gastown command; `gt` runs the same namespace."""
from gastown.cli.tasks import namespace  # noqa: F401
