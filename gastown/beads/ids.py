"""Bead ids: `<prefix>-<base36 hash>`, growing with the ledger; children `<parent>.<n>`."""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Container, Iterable

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
MIN_LENGTH = 4
MAX_LENGTH = 12
# Keep the birthday odds of two clones minting the same id below this.
COLLISION_ODDS = 0.01
PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$")


def base36(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(_ALPHABET[r])
    return "".join(reversed(out)) or "0"


def length_for(count: int) -> int:
    """Shortest length whose id space keeps count² / 36^L under the collision odds."""
    length = MIN_LENGTH
    while length < MAX_LENGTH and count * count / 36**length > COLLISION_ODDS:
        length += 1
    return length


def mint(prefix: str, seed: str, taken: Container[str], count: int) -> str:
    """A fresh top-level id not in `taken`; the seed plus randomness feeds the hash."""
    if not PREFIX_RE.match(prefix):
        raise ValueError(f"bad id prefix {prefix!r}")
    length = length_for(count)
    for attempt in range(1000):
        digest = hashlib.sha256(f"{seed}\0{attempt}".encode() + os.urandom(16)).digest()
        candidate = f"{prefix}-{base36(digest)[:length]}"
        if candidate not in taken:
            return candidate
        if attempt % 10 == 9 and length < MAX_LENGTH:
            length += 1
    raise RuntimeError("could not mint a free id")  # pragma: no cover - 36^12 space


def next_child(parent: str, existing: Iterable[str]) -> str:
    """`<parent>.<n>` one past the highest child number in use (gaps are not reused).

    Two clones can mint the same child id for different beads; the merge driver
    renames the later one, so they never silently become one bead.
    """
    head = parent + "."
    highest = 0
    for bid in existing:
        if bid.startswith(head):
            rest = bid[len(head):]
            number = rest.split(".", 1)[0]
            if number.isdigit():
                highest = max(highest, int(number))
    return f"{head}{highest + 1}"
