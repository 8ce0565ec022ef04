"""Bead ids as people type them: the exact id, or a unique prefix of it or of its hash."""
from __future__ import annotations

from collections.abc import Iterable

from gastown.errors import GastownError, NotFound

SHOWN = 10  # matches listed in an "ambiguous" error


class AmbiguousId(GastownError):
    """A prefix that starts more than one bead id."""


def _hash_part(bead_id: str) -> str:
    """`gt-4ncl.2` -> `4ncl.2`: what follows the prefix (prefixes may hold dashes)."""
    top = bead_id.split(".", 1)[0]
    cut = top.rfind("-")
    return bead_id[cut + 1:] if cut >= 0 else bead_id


def matches(text: str, ids: Iterable[str]) -> list[str]:
    """Ids that `text` starts, either whole (`gt-4n`) or after the prefix (`4n`)."""
    hits = [i for i in ids if i.startswith(text) or _hash_part(i).startswith(text)]
    # `gt-4n` names gt-4ncl rather than also its children gt-4ncl.1, gt-4ncl.2
    tops = set(hits)
    return sorted(i for i in hits if not any(i.startswith(t + ".") for t in _parents(i, tops)))


def _parents(bead_id: str, among: set[str]) -> Iterable[str]:
    parts = bead_id.split(".")
    return (p for p in (".".join(parts[:n]) for n in range(1, len(parts))) if p in among)


def resolve(text: str, ids: Iterable[str], *, where: str = "") -> str:
    """The one id `text` names; exact ids win. NotFound or AmbiguousId otherwise."""
    known = ids if isinstance(ids, (set, dict, frozenset)) else set(ids)
    if text in known:
        return text
    hits = matches(text, known) if text else []
    if len(hits) == 1:
        return hits[0]
    place = f" in {where}" if where else ""
    if not hits:
        raise NotFound(f"no bead {text!r}{place}")
    more = f" (+{len(hits) - SHOWN} more)" if len(hits) > SHOWN else ""
    raise AmbiguousId(f"{text!r} is ambiguous{place}: it starts "
                      f"{', '.join(hits[:SHOWN])}{more}; type more of the id")
