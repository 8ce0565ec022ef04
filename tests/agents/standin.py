"""A scripted stand-in for a coding agent, run in a tmux pane by the tests.

    python standin.py LOG [--busy SECONDS] [--mode MODE] [--echo-delay SECONDS]

It shows a ready prompt `> `, reads a line key by key (echoing what it reads, as a
terminal would), appends the line to LOG as one JSON string per line, shows a busy
marker for --busy seconds (then erased), then the prompt again. Modes (also switched by a line
`/mode NAME`):
  normal        as above
  never-ready   never shows the prompt; still reads and logs
  ignore-enter  shows the prompt and echoes, but Enter does nothing
  lose-enter    as normal, but the first Enter of each line is lost
  slow-echo     echoes each character --echo-delay seconds late
  permission    shows a permission question instead of the prompt
"""
from __future__ import annotations

import argparse
import codecs
import json
import os
import sys
import termios
import time
import tty

PROMPT = "> "
BUSY = "working… esc to interrupt"
QUESTION = "Do you want to proceed?\n  1. Yes\n  2. No"
MODES = ("normal", "never-ready", "ignore-enter", "lose-enter", "slow-echo", "permission")


class Standin:
    def __init__(self, log: str, busy: float, mode: str, echo_delay: float) -> None:
        self.log, self.busy, self.mode, self.echo_delay = log, busy, mode, echo_delay
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def show(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def invite(self) -> None:
        if self.mode == "never-ready":
            self.show("loading…\n")
        elif self.mode == "permission":
            self.show(QUESTION + "\n")
        else:
            self.show(PROMPT)

    def key(self) -> str:
        while True:
            byte = os.read(0, 1)
            if not byte:
                raise EOFError
            char = self.decoder.decode(byte)
            if char:
                return char

    def read_line(self) -> str:
        line, lost = "", False
        while True:
            char = self.key()
            if char in "\r\n":
                if self.mode == "ignore-enter" or (self.mode == "lose-enter" and not lost):
                    lost = True
                    continue
                self.show("\n")
                return line
            if char == "\x7f":
                if line:
                    line = line[:-1]
                    self.show("\b \b")
                continue
            line += char
            if self.mode == "slow-echo":
                time.sleep(self.echo_delay)
            self.show(char if char.isprintable() else f"^{chr(ord(char) ^ 0x40)}")

    def record(self, line: str) -> None:
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")

    def work(self) -> None:
        # Like a real client's spinner, the busy marker is erased when the work is done.
        self.show(BUSY)
        time.sleep(self.busy)
        self.show("\r\x1b[2Kdone\n")

    def run(self) -> None:
        while True:
            self.invite()
            line = self.read_line()
            self.record(line)
            if line.startswith("/mode "):
                self.mode = line.split(" ", 1)[1].strip()
                continue
            self.work()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--busy", type=float, default=0.5)
    parser.add_argument("--mode", choices=MODES, default="normal")
    parser.add_argument("--echo-delay", type=float, default=0.5)
    args = parser.parse_args()
    saved = termios.tcgetattr(0)
    tty.setcbreak(0)  # no kernel echo or line editing: this program reads each key
    try:
        Standin(args.log, args.busy, args.mode, args.echo_delay).run()
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)


if __name__ == "__main__":
    main()
