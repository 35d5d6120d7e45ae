"""The first five minutes: the README's main command shows letters, a pack and the responses due on any day."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("as_of", [None, "2027-08-01", "2031-03-01"], ids=["today", "2027-08-01", "2031-03-01"])
def test_run_sh_in_a_fresh_home_shows_the_product(tmp_path: Path, as_of: str | None) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRUTINY_", "PREFECT_API"))}
    env |= {"SCRUTINY_HOME": str(home), "PREFECT_HOME": str(tmp_path / "prefect"), "SCRUTINY_PDF": "false"}
    command = [str(REPO / "scripts" / "run.sh"), *(["--as-of", as_of] if as_of else [])]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    letters = sorted(home.glob("letters/*/*-v1.docx"))
    assert letters, out
    assert "Letters written:" in out and all(str(p) in out for p in letters)
    packs = sorted(home.glob("packs/*/*.docx")) + sorted(home.glob("packs/*/draft/*.docx"))
    assert packs and any(str(p) in out for p in packs), out
    due = out.split("Responses due:", 1)[1]
    assert "lih-R15-" in due and "lih-R16-" in due
    assert "Where to look:" in out and str(home / "tracker.xlsx") in out and (home / "tracker.xlsx").is_file()
    assert "source .venv/bin/activate" in out  # how to go on from here
    assert "Traceback" not in done.stderr
    # The hint names a day on which the run has a chaser to write, whatever day this is.
    hint = re.search(r"scrutiny run --as-of (\d{4}-\d{2}-\d{2}) +the next day a chaser is due \(an? ([a-z ]+)\)", out)
    assert hint is not None, out
    chase = subprocess.run(
        [str(REPO / ".venv" / "bin" / "scrutiny"), "-q", "remind", "--as-of", hint[1]],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert chase.returncode == 0, chase.stderr[-2000:]
    assert re.search(r"\b[1-9]\d* chaser\(s\)", chase.stdout), chase.stdout
