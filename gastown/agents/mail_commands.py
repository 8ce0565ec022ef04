"""`gt mail ...`: send, inbox, read, reply, thread."""
from __future__ import annotations

import sys
from typing import Any

from gastown.cli.output import print_json, shown
from gastown.cli.spec import JSON, Arg, Command

H = "gastown.agents.mail_commands:"
Bead = dict[str, Any]


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _town() -> Any:
    from gastown.town.paths import find_town

    return find_town()


def _line(m: Bead) -> str:
    flag = " " if m.get("read") else "*"
    return (f"{flag} {m['id']:<12} {m.get('created_at', '')[:16]}  from {shown(m.get('sender', '?'))}"
            f"  to {shown(m.get('to', '?'))}: {shown(m.get('title', ''))}")


def send(*, address: str, subject: str, message: str, json: bool) -> int:
    from gastown.agents import mail

    sent = mail.send(_town(), address, subject, message or "")
    if json:
        print_json(sent)
    else:
        for m in sent:
            _out(f"Sent {m['id']} to {m['to']}")
    return 0


def inbox(*, address: str | None, all: bool, json: bool) -> int:
    from gastown.agents import mail

    found = mail.inbox(_town(), address, unread_only=not all)
    if json:
        print_json(found)
    elif not found:
        _out("no unread mail" if not all else "no mail")
    else:
        for m in found:
            _out(_line(m))
    return 0


def read(*, message_id: str, json: bool) -> int:
    from gastown.agents import mail

    m = mail.read(_town(), message_id)
    if json:
        print_json(m)
    else:
        _out(_line(m))
        _out("")
        _out(shown(m.get("description", ""), lines=True))
    return 0


def reply(*, message_id: str, message: str, json: bool) -> int:
    from gastown.agents import mail

    sent = mail.reply(_town(), message_id, message)
    if json:
        print_json(sent)
    else:
        _out(f"Replied {sent[0]['id']} to {sent[0]['to']}")
    return 0


def thread(*, message_id: str, json: bool) -> int:
    from gastown.agents import mail

    found = mail.thread(_town(), message_id)
    if json:
        print_json(found)
    else:
        for m in found:
            _out(_line(m))
            _out("    " + shown(m.get("description", ""), lines=True).replace("\n", "\n    "))
    return 0


ID = Arg("message_id", (), "the message", "pos")
BODY = Arg("message", ("-m", "--message"), "the body", "str", "")
COMMANDS: tuple[Command, ...] = (
    Command("send", "Send mail: ADDRESS is RIG/NAME, RIG/witness, RIG/refinery, mayor, "
            "deacon or @rig/RIG", H + "send", (
                Arg("address", (), "who it is for", "pos"),
                Arg("subject", ("-s", "--subject"), "the subject", "str", ""), BODY, JSON)),
    Command("inbox", "Unread mail for you (or ADDRESS); --all includes read mail", H + "inbox", (
        Arg("address", (), "whose mailbox (default: this session's agent, or you)", "pos?"),
        Arg("all", ("--all",), "read mail too", "flag", False), JSON)),
    Command("read", "Print a message and mark it read", H + "read", (ID, JSON)),
    Command("reply", "Reply to a message's sender, in its thread", H + "reply", (ID, BODY, JSON)),
    Command("thread", "Every message of a message's thread, oldest first", H + "thread",
            (ID, JSON)),
)
