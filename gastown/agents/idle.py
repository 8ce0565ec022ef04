"""What a pane's text says about its agent, and what may be typed into it (pure).

A pane is busy (the client shows its busy marker), needs input (a permission
prompt: neither busy nor ready), ready (its input prompt is on screen) or unknown.
The patterns are regular expressions matched line by line (re.MULTILINE) over the
last non-blank lines of the pane: a busy marker or a question may sit a few lines
above the bottom, the ready prompt is among the very last lines. The markers are
what the client shows now: clients redraw their spinners and dialogs away.
"""
from __future__ import annotations

import re
from typing import Literal, NamedTuple

State = Literal["busy", "ready", "needs_input", "unknown"]

TAIL = 12  # non-blank lines searched for a busy marker or a question
PROMPT_TAIL = 5  # non-blank lines searched for the ready prompt


class PanePatterns(NamedTuple):
    ready: str
    busy: str
    needs_input: str | None = None


def _found(pattern: str | None, lines: list[str]) -> bool:
    return bool(pattern) and re.search(pattern, "\n".join(lines), re.MULTILINE) is not None


def pane_state(lines: list[str], patterns: PanePatterns) -> State:
    shown = [line for line in lines if line.strip()]
    if not shown:
        return "unknown"
    if _found(patterns.needs_input, shown[-TAIL:]):
        return "needs_input"
    if _found(patterns.busy, shown[-TAIL:]):
        return "busy"
    if _found(patterns.ready, shown[-PROMPT_TAIL:]):
        return "ready"
    return "unknown"


def input_empty(cursor_line: str, ready_regex: str) -> bool:
    """Whether the input after the prompt on the cursor's line holds nothing typed.

    `cursor_line` is the line up to the cursor. No prompt on it means the cursor is
    somewhere else (a wrapped long input, a dialog): not empty.
    """
    prompts = list(re.finditer(ready_regex, cursor_line))
    return bool(prompts) and not cursor_line[prompts[-1].end():].strip()


# ESC sequences: CSI (ESC [ ... final), OSC/DCS/PM/APC/SOS (ESC ]/P/^/_/X ... BEL or
# ESC \), and two-character escapes (ESC and one byte).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
_BREAKS = re.compile(r"\r\n|[\r\n\t\v\f\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """`text` fit to be typed: ESC sequences and control characters gone, line
    breaks and tabs turned into spaces, outer whitespace trimmed."""
    text = _ESCAPES.sub("", text)
    text = _BREAKS.sub(" ", text)
    return _CONTROLS.sub("", text).strip()
