"""`benchmarks/run.py --quick` keeps working: every key on its last line, each a plausible value.

A smoke run at the smallest sizes (it starts its own Prefect server, LibreOffice and councils):
nothing about speed is asserted here, since timing goals belong to the benchmark itself.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.prefect  # run.py starts a real Prefect server

KEYS = (
    "letters_ratio", "pack_ratio", "pdf_ratio", "chase_growth", "task_overhead_ms", "flow_cmd_ratio", "peak_mb",
    "tracker_growth",
)  # fmt: skip
RATIOS = ("letters_ratio", "pack_ratio", "pdf_ratio", "chase_growth", "tracker_growth")


def _number(text: str) -> float:
    value = float(text)
    assert math.isfinite(value), text
    return value


def test_quick_run_prints_every_key_with_a_plausible_value(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    last = run.stdout.strip().splitlines()[-1]
    pairs = last.split(" ")
    assert all(re.fullmatch(r"[a-z_]+=\S+", pair) for pair in pairs), last
    values = dict(pair.split("=", 1) for pair in pairs)
    assert list(values) == list(KEYS), last

    for key in RATIOS:
        assert 0 < _number(values[key]) < 50, (key, values[key])
    assert abs(_number(values["task_overhead_ms"])) < 5000  # two tasks: noise may make it negative
    assert 20 < _number(values["peak_mb"]) < 16000
    if (ROOT / "benchmarks" / "flow_command.py").is_file():
        assert 0 < _number(values["flow_cmd_ratio"]) < 50
    else:
        assert values["flow_cmd_ratio"] == "missing"

    results = json.loads(output.read_text())
    summary = results["summary"]
    assert set(summary) == set(KEYS)
    for key in RATIOS:
        assert math.isclose(summary[key], _number(values[key]), rel_tol=0.01), key
    sizes = results["chase"]["sizes"]
    assert [size["years"] for size in sizes] == [1, 2]
    assert sizes[0]["chasers_written"] == sizes[1]["chasers_written"] > 0  # the same work today
    assert sizes[1]["rows"] > sizes[0]["rows"]  # on more history
    assert results["letters"]["letters"] >= 1 and results["pdf"]["letters"] == 2
    assert results["machine"]["cpus"] >= 1
    assert [row["meetings"] for row in results["timetable"]] == [100]
