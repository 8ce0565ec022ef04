"""Line numbers for TOML keys, which `tomllib` does not report.

`LineMap(text)` scans already-valid TOML and records, for every key, table header,
array-of-tables entry and array element, the 1-based line where it starts. Paths are
tuples of keys and indices, the same shape as walking the parsed dict:
`("steps", 2, "timeout")` is the `timeout =` line inside the third `[[steps]]`,
`("steps", 0, "needs", 1)` the second element of its `needs` array, `("vars", "x")`
either a `[vars.x]` header or an `x = ...` line under `[vars]`.

The scanner trusts its input: call it only on text `tomllib` has accepted.
"""
from __future__ import annotations

import re
import tomllib

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")

Path_ = tuple[str | int, ...]


def toml_error_line(error: tomllib.TOMLDecodeError, text: str) -> tuple[int, str]:
    """The line a TOML syntax error points at, and its message without the position."""
    message = str(error)
    lineno = getattr(error, "lineno", None)  # Python >= 3.14 has attributes
    m = _TOML_AT.search(message)
    if m:
        lineno = lineno or int(m.group(1))
        message = message[: m.start()].rstrip()
    elif "(at end of document)" in message:
        lineno = lineno or max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        message = message.replace("(at end of document)", "").rstrip() + " at end of file"
    return int(lineno or 1), message


class LineMap:
    """Where each key of a TOML document starts (see the module docstring)."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Path_, int] = {}
        self._text = text
        self._pos = 0
        self._line = 1
        self._arrays: dict[Path_, int] = {}
        self._scan()

    def get(self, *path: str | int) -> int | None:
        """The line of exactly this path, or None."""
        return self._lines.get(tuple(path))

    def line(self, *path: str | int) -> int:
        """The line of this path, or of its nearest recorded ancestor (1 when none is)."""
        key = tuple(path)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return 1

    # -- scanner -------------------------------------------------------------------

    def _record(self, path: Path_, line: int) -> None:
        self._lines.setdefault(path, line)

    def _peek(self, n: int = 1) -> str:
        return self._text[self._pos : self._pos + n]

    def _advance(self, n: int = 1) -> None:
        chunk = self._text[self._pos : self._pos + n]
        self._line += chunk.count("\n")
        self._pos += n

    def _skip_blank(self, newlines: bool) -> None:
        """Skip spaces, tabs, comments and (if asked) newlines."""
        text = self._text
        while self._pos < len(text):
            c = text[self._pos]
            if c in " \t\r":
                self._pos += 1
            elif c == "\n" and newlines:
                self._advance()
            elif c == "#":
                end = text.find("\n", self._pos)
                self._pos = len(text) if end < 0 else end
            else:
                return

    def _scan(self) -> None:
        text = self._text
        table: Path_ = ()
        while self._pos < len(text):
            self._skip_blank(newlines=True)
            if self._pos >= len(text):
                break
            line = self._line
            if self._peek(2) == "[[":
                self._advance(2)
                keys = self._keys("]")
                self._advance(2)
                base = self._resolve(keys[:-1]) + (keys[-1],)
                self._record_keys((), base, line)
                index = self._arrays.get(base, -1) + 1
                self._arrays[base] = index
                self._record(base, line)
                table = base + (index,)
                self._record(table, line)
            elif self._peek() == "[":
                self._advance()
                keys = self._keys("]")
                self._advance()
                table = self._resolve(keys)
                self._record_keys((), table, line)
            else:
                keys = self._keys("=")
                self._advance()  # "="
                self._record_keys(table, keys, line)
                self._value(table + keys)
            self._skip_to_eol()

    def _skip_to_eol(self) -> None:
        self._skip_blank(newlines=False)
        if self._peek() == "\n":
            self._advance()

    def _resolve(self, keys: Path_) -> Path_:
        """A header path, with the current index inserted after each array of tables."""
        out: Path_ = ()
        for key in keys:
            out = out + (key,)
            if out in self._arrays:
                out = out + (self._arrays[out],)
        return out

    def _record_keys(self, table: Path_, keys: Path_, line: int) -> None:
        for i in range(1, len(keys) + 1):
            self._record(table + keys[:i], line)

    def _keys(self, stop: str) -> Path_:
        """A dotted key, up to (not past) `stop`."""
        keys: list[str] = []
        text = self._text
        while self._pos < len(text):
            self._skip_blank(newlines=False)
            c = self._peek()
            if c in ('"', "'"):
                keys.append(self._string_value())
            else:
                m = _BARE_KEY.match(text, self._pos)
                if not m:
                    break
                keys.append(m.group(0))
                self._pos = m.end()
            self._skip_blank(newlines=False)
            if self._peek() == ".":
                self._advance()
                continue
            break
        self._skip_blank(newlines=False)
        return tuple(keys)

    def _string_value(self) -> str:
        """Consume a string of any kind; return its (roughly unescaped) content."""
        text = self._text
        for quote in ('"""', "'''"):
            if text.startswith(quote, self._pos):
                end = self._pos + 3
                while True:
                    end = text.find(quote, end)
                    if end < 0:
                        end = len(text)
                        break
                    if quote == '"""' and _escaped(text, end):
                        end += 1
                        continue
                    break
                # A closing run may be up to five quotes: the extra ones are content.
                while text.startswith(quote[0], end + 3):
                    end += 1
                content = text[self._pos + 3 : end]
                self._advance(end + 3 - self._pos)
                return content
        quote = text[self._pos]
        end = self._pos + 1
        while end < len(text) and text[end] != quote:
            end += 2 if (quote == '"' and text[end] == "\\") else 1
        content = text[self._pos + 1 : end]
        self._advance(end + 1 - self._pos)
        return content

    def _value(self, path: Path_) -> None:
        self._skip_blank(newlines=False)
        c = self._peek()
        if c in ('"', "'"):
            self._string_value()
        elif c == "[":
            self._advance()
            index = 0
            while self._pos < len(self._text):
                self._skip_blank(newlines=True)
                if self._peek() == "]":
                    self._advance()
                    return
                self._record(path + (index,), self._line)
                self._value(path + (index,))
                index += 1
                self._skip_blank(newlines=True)
                if self._peek() == ",":
                    self._advance()
        elif c == "{":
            self._advance()
            while self._pos < len(self._text):
                self._skip_blank(newlines=False)
                if self._peek() == "}":
                    self._advance()
                    return
                line = self._line
                keys = self._keys("=")
                if self._peek() != "=":  # malformed; never for text tomllib accepted
                    self._advance()
                    continue
                self._advance()
                self._record_keys(path, keys, line)
                self._value(path + keys)
                self._skip_blank(newlines=False)
                if self._peek() == ",":
                    self._advance()
        else:
            text = self._text
            start = self._pos
            while self._pos < len(text) and text[self._pos] not in ",]}\n#":
                self._pos += 1
            if self._pos == start and self._pos < len(text) and text[self._pos] != "\n":
                self._pos += 1  # never stall


def _escaped(text: str, index: int) -> bool:
    """Whether the character at `index` is preceded by an odd number of backslashes."""
    count = 0
    index -= 1
    while index >= 0 and text[index] == "\\":
        count += 1
        index -= 1
    return count % 2 == 1
