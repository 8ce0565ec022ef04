"""gastown: many coding-agent sessions in parallel, on a git-backed ledger of beads."""

__version__ = "0.1.0"
