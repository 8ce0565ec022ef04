"""`gt mail ...`: send, inbox, read, reply, thread."""
from __future__ import annotations

from typing import Any

from gastown.cli.output import echo, print_json, printable
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.agents.mail_commands:"
Bead = dict[str, Any]


def _line(m: Bead) -> str:
    flag = " " if m.get("read") else "*"
    return (f"{flag} {m['id']:<12} {m.get('created_at', '')[:16]}  from {printable(m.get('sender', '?'))}"
            f"  to {printable(m.get('to', '?'))}: {printable(m.get('title', ''))}")


def send(*, address: str, subject: str, message: str, json: bool) -> int:
    from gastown.agents import mail

    sent = mail.send(find_town(), address, subject, message or "")
    if json:
        print_json(sent)
    else:
        for m in sent:
            echo(f"Sent {m['id']} to {m['to']}")
    return 0


def inbox(*, address: str | None, all: bool, json: bool) -> int:
    from gastown.agents import mail

    found = mail.inbox(find_town(), address, unread_only=not all)
    if json:
        print_json(found)
    elif not found:
        echo("no unread mail" if not all else "no mail")
    else:
        for m in found:
            echo(_line(m))
    return 0


def read(*, message_id: str, json: bool) -> int:
    from gastown.agents import mail

    m = mail.read(find_town(), message_id)
    if json:
        print_json(m)
    else:
        echo(_line(m))
        echo("")
        echo(printable(m.get("description", ""), multiline=True))
    return 0


def reply(*, message_id: str, message: str, json: bool) -> int:
    from gastown.agents import mail

    sent = mail.reply(find_town(), message_id, message)
    if json:
        print_json(sent)
    else:
        echo(f"Replied {sent[0]['id']} to {sent[0]['to']}")
    return 0


def thread(*, message_id: str, json: bool) -> int:
    from gastown.agents import mail

    found = mail.thread(find_town(), message_id)
    if json:
        print_json(found)
    else:
        for m in found:
            echo(_line(m))
            echo("    " + printable(m.get("description", ""), multiline=True).replace("\n", "\n    "))
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
