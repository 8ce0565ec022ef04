"""Who is acting, and when: stamps for created_by, trailers and comments."""
from __future__ import annotations

import getpass
import os
from datetime import datetime, timezone


def actor() -> str:
    """BD_ACTOR, else the agent identity, else the login name."""
    for var in ("BD_ACTOR", "GT_AGENT"):
        value = os.environ.get(var)
        if value:
            return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def now() -> str:
    """RFC 3339 UTC with microseconds, the ledger's timestamp format."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp, or a date; naive values are UTC. Raises ValueError."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
