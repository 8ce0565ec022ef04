"""Supervision: the daemon, Boot, the Deacon and its Dogs, each rig's Witness."""
