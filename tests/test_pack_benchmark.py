"""The pack benchmark keeps working (a smoke run: nothing about time is asserted here)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_measure_pack_ratio_runs_small() -> None:
    spec = importlib.util.spec_from_file_location("pack_benchmark", ROOT / "benchmarks" / "pack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.measure_pack_ratio(repeats=1, items=1)
    assert result["responses"] == 2 and result["repeats"] == 1
    assert result["pack_ratio"] == result["product_cpu_seconds"] / result["baseline_cpu_seconds"] > 0
    assert result["pack_bytes"] > 10_000


def test_the_script_ends_with_the_ratio_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "pack.py"), "--repeats", "1", "--items", "1"],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("pack_ratio=") and float(last.split("=", 1)[1]) > 0
