"""The Refinery: a rig's merge queue.

Merge requests (beads in beads/mq.jsonl) are merged onto the rig's target branch one
verified batch at a time: candidate built in a scratch worktree, gates run, target
advanced with a compare-and-swap push, then the ledger records it and only then the
branches go. Decisions (order, batches, bisection) are pure functions in queue.py and
bisect.py; git, gates and processes are apart.
"""
