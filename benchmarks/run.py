"""The product against bare libraries at council scale: python benchmarks/run.py [--quick]

Every figure is a ratio to a baseline measured in the same run on the same machine (absolute
times are in the JSON too). It prints a table, writes benchmarks/results/latest.json (and a
dated copy), and ends with one line of key=value pairs:

  letters_ratio     write_letter (rendered and recorded) per second / bare docxtpl   goal >= 0.8
  pack_ratio        assemble_pack of a 20-item pack, 40 responses / bare docxcompose  goal <= 1.2
  pdf_ratio         the product's PDF time per letter / a fresh soffice per letter    goal <= 0.25
  chase_growth      chase run, 40 committees, 10 years of history / with 1 year       goal <= 1.3
  task_overhead_ms  what a Prefect task adds per call, under a real local server
  flow_cmd_ratio    a flow command with a running server / with a temporary server    goal <= 0.5
  peak_mb           peak memory of the largest run (the 10-year council's chase)
  tracker_growth    responses due over the same two councils, 10 years / 1 year

A measurement that fails prints key=error (and the run exits 1); flow_cmd_ratio=missing when
benchmarks/flow_command.py is not in this checkout. --quick runs every part at its smallest
size, to keep the script working (the test suite runs it; no timing is asserted there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYS = (
    "letters_ratio", "pack_ratio", "pdf_ratio", "chase_growth", "task_overhead_ms", "flow_cmd_ratio", "peak_mb",
    "tracker_growth",
)  # fmt: skip
GOALS: dict[str, tuple[str, float]] = {
    "letters_ratio": (">=", 0.8),
    "pack_ratio": ("<=", 1.2),
    "pdf_ratio": ("<=", 0.25),
    "chase_growth": ("<=", 1.3),
    "flow_cmd_ratio": ("<=", 0.5),  # issue 11: "well under half"
}


def _sizes(quick: bool) -> dict[str, Any]:
    if quick:
        return {
            "timetable": [100], "planning": [(10, 2)], "tracker": [100, 200],
            "letters": {"count": 3, "rounds": 1, "committees": 2},
            "pack": {"repeats": 1, "items": 1}, "pdf": 2,
            "chase": {"committees": 3, "small": 1, "large": 2, "repeats": 1},
            "prefect": {"tasks": 2, "rounds": 1}, "flow_cmd": 1,
        }  # fmt: skip
    return {
        "timetable": [100, 1000, 10000], "planning": [(10, 2), (20, 4), (40, 8), (80, 16)],
        "tracker": [100, 400, 1600, 6400], "letters": {"count": 20, "rounds": 8, "committees": 8}, "pack": {"repeats": 5, "items": 20}, "pdf": 20,
        "chase": {"committees": 40, "small": 1, "large": 10, "repeats": 3},
        "prefect": {"tasks": 20, "rounds": 3}, "flow_cmd": 2,
    }  # fmt: skip


def _timed(name: str, action: Callable[[], Any]) -> Any:
    """Run one part; a failure is recorded (and reported) instead of ending the run."""
    print(f"... {name}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        result = action()
    except Exception as exc:  # every part is independent: report it and go on
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"[:500], "elapsed_seconds": time.perf_counter() - started}
    if isinstance(result, dict):
        result["elapsed_seconds"] = time.perf_counter() - started
    return result


def _flow_command(repeats: int) -> dict[str, Any]:
    if importlib.util.find_spec("benchmarks.flow_command") is None:
        return {"missing": "benchmarks/flow_command.py is not in this checkout"}
    from benchmarks.flow_command import measure_flow_cmd_ratio  # type: ignore[import-not-found,unused-ignore]

    result: dict[str, Any] = measure_flow_cmd_ratio(repeats)
    return result


def measure_all(quick: bool) -> dict[str, Any]:
    from benchmarks.chase import measure_chase_growth, peak_mb
    from benchmarks.letters import measure_letters_ratio
    from benchmarks.pack import measure_pack_ratio
    from benchmarks.pdf import measure_pdf_ratio
    from benchmarks.prefect_overhead import measure_task_overhead
    from benchmarks.scaling import bench_planning, bench_timetable, bench_tracker

    sizes = _sizes(quick)
    results: dict[str, Any] = {"machine": _machine(), "quick": quick, "sizes": sizes}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scrutiny-bench-") as scratch_name:
        scratch = Path(scratch_name)
        results["timetable"] = _timed("timetable", lambda: bench_timetable(sizes["timetable"]))
        results["planning"] = _timed("planning", lambda: bench_planning(sizes["planning"], scratch))
        results["tracker"] = _timed("tracker", lambda: bench_tracker(sizes["tracker"], scratch))
    results["letters"] = _timed("letters", lambda: measure_letters_ratio(**sizes["letters"]))
    results["pack"] = _timed("pack", lambda: measure_pack_ratio(**sizes["pack"]))
    results["pdf"] = _timed("pdf", lambda: measure_pdf_ratio(sizes["pdf"]))
    results["chase"] = _timed("chase", lambda: measure_chase_growth(**sizes["chase"]))
    results["prefect"] = _timed("prefect", lambda: measure_task_overhead(**sizes["prefect"]))
    results["flow_command"] = _timed("flow command", lambda: _flow_command(sizes["flow_cmd"]))
    results["benchmark_process_peak_mb"] = peak_mb()
    results["elapsed_seconds"] = time.perf_counter() - started
    results["machine"]["load_average_after"] = os.getloadavg()
    results["summary"] = _summary(results)
    return results


def _summary(results: dict[str, Any]) -> dict[str, Any]:
    def pick(part: str, key: str) -> Any:
        section = results.get(part)
        if not isinstance(section, dict) or "error" in section:
            return "error"
        if "missing" in section:
            return "missing"
        return section.get(key, "error")

    return {
        "letters_ratio": pick("letters", "letters_ratio"),
        "pack_ratio": pick("pack", "pack_ratio"),
        "pdf_ratio": pick("pdf", "pdf_ratio"),
        "chase_growth": pick("chase", "chase_growth"),
        "task_overhead_ms": pick("prefect", "task_overhead_ms"),
        "flow_cmd_ratio": pick("flow_command", "flow_cmd_ratio"),
        "peak_mb": pick("chase", "peak_mb"),
        "tracker_growth": pick("chase", "tracker_growth"),
    }


def _machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")), ""
    )
    memory = next((line.split()[1] for line in _lines("/proc/meminfo") if line.startswith("MemTotal:")), "0")
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(int(memory) / 1024 / 1024, 1),
        "load_average_before": os.getloadavg(),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "shared": "other engineers' test runs share these cores",
    }


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def print_report(results: dict[str, Any]) -> None:
    machine = results["machine"]
    print(f"machine: {machine['cpus']} CPUs ({machine['cpu_model'] or 'unknown'}), {machine['memory_gb']} GB, shared;")
    print(f"load average before {machine['load_average_before'][0]:.1f}, after {machine['load_average_after'][0]:.1f}")
    for name in ("timetable", "planning", "tracker"):
        print(f"\n{name}")
        rows = results[name]
        for row in rows if isinstance(rows, list) else [rows]:
            print("  " + ", ".join(f"{k}={_text(v)}" for k, v in row.items()))
    chase = results["chase"]
    if "sizes" in chase:
        print("\nchase and tracker (each size in its own process)")
        for size in chase["sizes"]:
            print(
                f"  {size['committees']} committees, {size['years']} years: {size['rows']} rows "
                f"({size['requests']} requests, {size['files']} files, generated in {size['generate_seconds']:.1f} s); "
                f"{size['chasers_written']} chasers in {size['chase_seconds']:.2f} s; "
                f"tracker {size['tracker_rows']} rows in {size['tracker_seconds'] * 1e3:.0f} ms; "
                f"peak {size['peak_mb']:.0f} MB"
            )
    details = {
        "letters": ("bare_ms_per_letter", "product_ms_per_letter", "letters"),
        "pack": ("baseline_cpu_seconds", "product_cpu_seconds", "responses"),
        "pdf": ("fresh_s_per_letter", "product_s_per_letter", "letters"),
        "prefect": ("plain_ms_per_call", "task_ms_per_call", "server_start_seconds"),
    }
    print(f"\n{'measure':<18} {'value':>9} {'goal':>7}  {'met':<4} detail")
    for key, value in results["summary"].items():
        goal = GOALS.get(key)
        met = "" if goal is None or not isinstance(value, float) else "yes" if _meets(value, goal) else "no"
        part = {"letters_ratio": "letters", "pack_ratio": "pack", "pdf_ratio": "pdf", "task_overhead_ms": "prefect"}
        section = results.get(part.get(key, ""), {})
        detail = ", ".join(f"{k}={_text(section[k])}" for k in details.get(part.get(key, ""), ()) if k in section)
        if isinstance(section, dict) and "error" in section:
            detail = section["error"]
        goal_text = f"{goal[0]}{goal[1]}" if goal else ""
        print(f"{key:<18} {_text(value):>9} {goal_text:>7}  {met:<4} {detail}")
    print(f"\nwhole run {results['elapsed_seconds']:.0f} s; written {results.get('output', '')}")


def _meets(value: float, goal: tuple[str, float]) -> bool:
    return value >= goal[1] if goal[0] == ">=" else value <= goal[1]


def last_line(summary: dict[str, Any]) -> str:
    return " ".join(f"{key}={_text(summary[key]) if isinstance(summary[key], float) else summary[key]}" for key in KEYS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="every part at its smallest size (a smoke run)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    args = parser.parse_args()
    results = measure_all(args.quick)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    results["output"] = str(args.output)
    text = json.dumps(results, indent=2, default=str)
    args.output.write_text(text)
    if not args.quick:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        (ROOT / "benchmarks" / "results" / f"run-{stamp}.json").write_text(text)
    print_report(results)
    print(last_line(results["summary"]))
    return 1 if "error" in results["summary"].values() else 0


if __name__ == "__main__":
    raise SystemExit(main())
