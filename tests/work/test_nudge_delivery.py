"""Nudges reaching agents through their runtime: the typed first prompt, mail, broadcast.

The client is the scripted stand-in (tests/agents/standin.py): a ready prompt, a busy
marker while it "works", and a log of every line it receives.
"""
from __future__ import annotations

import json
from pathlib import Path

from tests.work.conftest import create, wait_for

STANDIN = Path(__file__).resolve().parent.parent / "agents" / "standin.py"


def standin_runtime(town, name: str = "standin", busy: float = 0.3) -> None:
    folder = town.root / "runtimes"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.toml").write_text(
        f'command = ["{{python}}", "{STANDIN}", "standin.log", "--busy", "{busy}"]\n'
        'prompt = "typed"\nprime = "prompt"\nready = \'^> ?$\'\n'
        'busy = "esc to interrupt"\n')


def received(town, rig: str, name: str) -> list[str]:
    log = town.root / "rigs" / rig / "polecats" / name / "standin.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line]


def test_typed_first_prompt_then_mail_reaches_an_idle_client(town, gt, bd, rig):
    standin_runtime(town)
    bead = create(bd, "talk to me")
    gt("sling", bead, "--rig", rig, "--runtime", "standin").assert_success()
    first = wait_for(lambda: received(town, rig, "nux"), 20, "the first prompt")
    assert first[0].startswith("You are demo/nux, a gastown polecat. Run `gt prime`")

    sent = gt("mail", "send", "demo/nux", "-s", "look at $(this); C-c Enter",
              "--json").assert_success().json()[0]
    got = wait_for(lambda: received(town, rig, "nux")[1:], 20, "the mail nudge")
    assert got == [f"You have mail: look at $(this); C-c Enter (`gt mail read {sent['id']}`)"]


def test_mail_to_a_muted_agent_waits_until_dnd_is_off(town, gt, bd, rig):
    standin_runtime(town)
    gt("sling", create(bd, "quiet"), "--rig", rig, "--runtime", "standin").assert_success()
    wait_for(lambda: received(town, rig, "nux"), 20, "the first prompt")
    gt("dnd", "on", "demo/nux").assert_success()
    gt("mail", "send", "demo/nux", "-s", "later").assert_success()
    assert len(received(town, rig, "nux")) == 1
    gt("dnd", "off", "demo/nux").assert_success()
    wait_for(lambda: len(received(town, rig, "nux")) == 2, 20, "the held nudge")
    assert received(town, rig, "nux")[1].startswith("You have mail: later")


def test_broadcast_nudges_every_running_agent_of_a_rig(town, gt, bd, rig):
    standin_runtime(town)
    gt("sling", create(bd, "a"), create(bd, "b"), "--rig", rig,
       "--runtime", "standin").assert_success()
    for name in ("nux", "toast"):
        wait_for(lambda name=name: received(town, rig, name), 20, f"{name}'s first prompt")
    out = gt("broadcast", "stand", "by", "--rig", rig, "--json").assert_success().json()
    assert set(out) == {"gt-demo-nux", "gt-demo-toast"}
    for name in ("nux", "toast"):
        wait_for(lambda name=name: received(town, rig, name)[1:] == ["stand by"], 20, name)


def test_mail_to_a_shell_runtime_polecat_is_not_typed_into_its_pane(town, gt, bd, rig):
    gt("sling", create(bd, "busy"), "--rig", rig, "--var", "pause=30").assert_success()
    gt("mail", "send", "demo/nux", "-s", "fyi").assert_success()
    assert not (town.root / ".gastown" / "nudges" / "gt-demo-nux").exists()
    assert (town.root / ".gastown" / "mail-nudged").read_text().split()  # handled once
