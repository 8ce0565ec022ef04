"""Command lines: `bd` (argparse, fast to start) and `gt` (an invoke Program)."""
