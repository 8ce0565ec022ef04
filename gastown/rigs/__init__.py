"""Rigs: the repositories a town works on (config, bare clones, worktrees)."""
