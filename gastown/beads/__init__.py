"""The ledger: beads as JSON lines in a town's git repository."""
