"""Benchmark towns with a rig whose polecats run a given formula on the shell runtime."""
from __future__ import annotations

from pathlib import Path

import synth
from harness import Context, output, project_bin


def town_with_rig(ctx: Context, env: dict[str, str], name: str, formula: str,
                  formula_name: str, cap: int) -> Path:
    """A 200-bead town at workdir/NAME with rig `demo` (a one-commit source repo), its
    polecats' formula `formula_name`, and room for `cap` polecats at work (the rig's
    and the town's caps, or the scheduler queues the rest)."""
    info = synth.make_town(ctx.workdir / name, synth.generate(200), env)
    src = ctx.workdir / f"{name}-src"
    src.mkdir()
    output(["git", "init", "-q", "-b", "main"], env, src)
    (src / "README").write_text("bench\n")
    output(["git", "add", "."], env, src)
    output(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "init"], env,
           src)
    output([project_bin("gt"), "rig", "add", "demo", str(src)], env, info.root)
    formulas = info.root / "rigs" / "demo" / "formulas"
    formulas.mkdir()
    (formulas / f"{formula_name}.formula.toml").write_text(formula)
    toml = info.root / "rigs" / "demo" / "rig.toml"
    toml.write_text(toml.read_text().replace('"polecat-work"', f'"{formula_name}"')
                    .replace("max_polecats = 10", f"max_polecats = {cap}"))
    limits = info.root / "town.toml"
    limits.write_text(limits.read_text().replace("max_polecats = 8", f"max_polecats = {cap}"))
    return info.root
