"""The benchmark script keeps working (a smoke run: nothing about time is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmarks_run_quick(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(output)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    results = json.loads(output.read_text())
    assert {"timetable", "planning", "letters", "tracker"} <= set(results)
    assert results["tracker"][0]["ratio_to_smallest"] == 1.0
    assert all(row["seconds"] > 0 for row in results["timetable"])
