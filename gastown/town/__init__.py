"""A town: the git repository that holds the ledger, its config and runtime state."""
