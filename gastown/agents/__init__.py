"""Agents: identities, sessions (the one tmux module), runtimes, work on hooks."""
