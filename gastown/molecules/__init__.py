"""Molecules: cooked formulas as beads, and the shell runtime that works through them.

    model     the bead shapes (root `molecule`, `step`, wisp, digest) and their states
    storage   where a molecule lives: the ledger (one commit per write) or a wisp file
    ops       pour, wisp, squash, burn, step done / retry, status
    runtime   the shell runtime: runs `run` steps, one checkpoint commit per closed step
    commands  `gt mol ...`

A molecule is a root bead (issue_type `molecule`) plus one bead per cooked step
(issue_type `step`, id `<root>.<n>` in the formula's topological order), all in
`beads/molecules.jsonl`. A wisp has the same shape but lives in
`.gastown/wisps/<id>.jsonl` (never committed) until `gt mol squash` turns it into one
digest bead.
"""
