"""Entry point: parse arguments, run one command, turn domain errors into one line and an exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from scrutiny.cli.commands import COMMANDS
from scrutiny.errors import ScrutinyError
from scrutiny.settings import get_settings, prepare_prefect_environment


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage on two lines; keep the one line the user needs.
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="scrutiny", description="Scrutiny committee workflow: timetable, letters, responses, packs.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")  # the CLI prints its own result; no engine tracebacks
    try:
        prepare_prefect_environment(get_settings())
        output = args.handler(args)
    except ScrutinyError as exc:
        print(f"scrutiny: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("scrutiny: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except Exception as exc:  # the last guard: a user never sees a traceback
        cause = _domain_cause(exc)
        if cause is not None:
            print(f"scrutiny: error: {cause}", file=sys.stderr)
            return cause.exit_code
        first = (str(exc).strip().splitlines() or [""])[0]
        print(f"scrutiny: internal error: {type(exc).__name__}: {first}", file=sys.stderr)
        return 1
    if output:
        print(output)
    return 0


def _domain_cause(exc: BaseException) -> ScrutinyError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ScrutinyError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
