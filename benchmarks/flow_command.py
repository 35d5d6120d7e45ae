"""What a flow command costs against a running Prefect server, as a ratio to the same command with
a temporary server (issue 11: "well under half").

Two homes with the same committee, planned alike: one has a running server recorded as
`scrutiny server start` records it (so the command finds it with no variable set), the other has
none, so each command starts a temporary server. The same commands then alternate between the
two homes, several times each in the same run, so a change in the machine's load hits both.
Each run is a fresh `scrutiny` process, timed from start to exit.

`flow_cmd_ratio` is the larger of the per-command ratios of medians (each command must be cheap,
not just their average). Usage: python benchmarks/flow_command.py [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"
MODES = ("running server", "temporary server")


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SCRUTINY_"))}
    env.update({"SCRUTINY_HOME": str(home), "SCRUTINY_PDF": "false"})
    return env


def _scrutiny(home: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "scrutiny"), *args],
        env=_environment(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"scrutiny {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return seconds, done


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(api: str) -> bool:
    try:
        with urlopen(f"{api}/health", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def _home_server(home: Path) -> Iterator[str]:
    """A Prefect server for `home`, recorded in the home the way `scrutiny server start` records it."""
    from scrutiny.runtime.server_state import (
        ProcessRecord,
        ServerState,
        clear_server_state,
        process_start_ticks,
        save_server_state,
    )

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        {
            "PREFECT_HOME": str(home / ".prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
        }
    )
    (home / ".prefect").mkdir(parents=True, exist_ok=True)
    with (home / ".prefect" / "benchmark-server.log").open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        api = f"http://127.0.0.1:{port}/api"
        try:
            deadline = time.monotonic() + 180
            while not _healthy(api):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"prefect server did not start; see {log.name}")
                time.sleep(0.5)
            ticks = process_start_ticks(server.pid)
            if ticks is None:
                raise RuntimeError("the benchmark's prefect server exited")
            record = ProcessRecord(name="server", pid=server.pid, pgid=server.pid, start_ticks=ticks)
            save_server_state(
                home,
                ServerState(
                    api_url=api,
                    ui_url=f"http://127.0.0.1:{port}",
                    prefect_home=str(home / ".prefect"),
                    work_pool="benchmark",
                    processes=[record],
                ),
            )
            yield api
        finally:
            clear_server_state(home)
            if server.poll() is None:
                os.killpg(server.pid, 15)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, 9)
                    server.wait()


def _prepare(home: Path, response: Path) -> list[str]:
    """Initialise, plan and write the letters of a home (untimed), and return the response command."""
    home.mkdir(parents=True, exist_ok=True)
    _scrutiny(home, "init")
    _scrutiny(home, "plan", "--as-of", AS_OF)
    _scrutiny(home, "letters", "--as-of", AS_OF)  # a response is recorded only against a letter that went out
    _seconds, due = _scrutiny(home, "responses", "due", "--as-of", AS_OF, "--json")
    request_id = json.loads(due.stdout)[0]["request_id"]
    record = ["responses", "record", request_id, str(response), "--received", AS_OF]
    _scrutiny(home, *record)  # the first recording copies the file; the timed ones find it recorded
    return record


def _response_document(path: Path) -> Path:
    from docx import Document

    document = Document()
    document.add_heading("Response to the Living in Hackney Scrutiny Commission", level=1)
    document.add_paragraph("Stop and search activity and engagement with the monitoring groups, 2026.")
    document.save(str(path))
    return path


def measure_flow_cmd_ratio(repeats: int = 5) -> dict[str, Any]:
    """Time `plan` and `responses record` with a running server and with a temporary one, alternately."""
    with tempfile.TemporaryDirectory(prefix="scrutiny-flow-bench-") as scratch_name:
        scratch = Path(scratch_name)
        response = _response_document(scratch / "response.docx")
        homes = {"running server": scratch / "served", "temporary server": scratch / "temporary"}
        commands: dict[str, dict[str, list[str]]] = {}
        with _home_server(homes["running server"]) as api:
            for mode, home in homes.items():
                commands[mode] = {"plan": ["plan", "--as-of", AS_OF], "responses record": _prepare(home, response)}
            seconds: dict[tuple[str, str], list[float]] = {}
            for _ in range(repeats):
                for name in ("plan", "responses record"):
                    for mode, home in homes.items():
                        took, _done = _scrutiny(home, *commands[mode][name])
                        seconds.setdefault((name, mode), []).append(took)
    rows = []
    ratios = {}
    for name in ("plan", "responses record"):
        served = statistics.median(seconds[(name, "running server")])
        temporary = statistics.median(seconds[(name, "temporary server")])
        ratios[name] = served / temporary
        for mode in MODES:
            times = seconds[(name, mode)]
            rows.append(
                {
                    "command": name,
                    "mode": mode,
                    "runs": len(times),
                    "median_seconds": statistics.median(times),
                    "min_seconds": min(times),
                    "max_seconds": max(times),
                }
            )
    return {"server_api": api, "rows": rows, "ratios": ratios, "flow_cmd_ratio": max(ratios.values())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each command in each mode")
    args = parser.parse_args()
    result = measure_flow_cmd_ratio(args.repeats)
    print(f"{'command':<18} {'mode':<17} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7}")
    for row in result["rows"]:
        print(
            f"{row['command']:<18} {row['mode']:<17} {row['runs']:>4} {row['median_seconds']:>9.2f} "
            f"{row['min_seconds']:>7.2f} {row['max_seconds']:>7.2f}"
        )
    for name, ratio in result["ratios"].items():
        print(f"{name}: running server / temporary server = {ratio:.2f}")
    print(f"flow_cmd_ratio={result['flow_cmd_ratio']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
