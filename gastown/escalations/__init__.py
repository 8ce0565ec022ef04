"""Escalations: beads routed Deacon -> Mayor -> Overseer by severity, and re-escalated
one level up when nobody acknowledges them in time."""
