"""The reaction engine behind a town's git hooks (`python -m gastown.githooks HOOK`)."""

HOOKS = ("pre-commit", "post-commit", "post-merge", "post-checkout", "post-rewrite")
