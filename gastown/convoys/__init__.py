"""Convoys: beads tracked together, landed when every one of them is closed.

A convoy bead (issue_type convoy, in beads/convoys.jsonl) names its beads in
`tracks`, its owner in `created_by` and whom else to tell in `notify`. It lands
when each tracked bead is closed, whether its work merged or a person closed it
as not needed; landing closes it, sets `landed_at` and mails the owner and notify.
"""
