"""`make demo`: a town whose polecats do real work, the Refinery merging it, a convoy landing.

    python -m gastown.demo [--runtime shell|claude|codex] [DEMO_DIR]   (default ./demo-town)

1. installs a town at DEMO_DIR (a previous demo town there is replaced; anything
   else there is left alone and the demo stops);
2. makes the example project (`rigs/example/project`, textkit) a git repository and
   adds it as the rig `example`, with its gates and its polecats' formula;
3. files the example beads (`rigs/example/beads.jsonl`), each a real change to
   textkit, and slings them as one convoy to polecats, one tmux session each; their
   formula's `run` steps make the changes, test and commit, and `gt done` queues a
   merge request. On the shell runtime (the default, no model) the demo files and
   slings, and the session program runs the steps; with `--runtime claude` or `codex`
   the Mayor and the polecats are real client sessions driven by a scripted local
   model (gastown.demo.clients);
4. the Refinery, woken by the queued merge requests, merges them in verified batches:
   one change conflicts with another and one fails the docs gate; both go back to
   polecats as rework, are redone and land;
5. the convoy lands once every bead's work is on main; the demo prints the outcome
   and the feed, stops every session and leaves the town for inspection.

Needs git, tmux and python3; the real clients, `make setup`.
"""
from gastown.demo.run import main

__all__ = ["main"]
