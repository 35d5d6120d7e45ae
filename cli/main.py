"""Entry point: parse arguments, run one command, turn domain errors into one line and an exit code."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import PurePath

# Before anything imports Prefect: the CLI prints its own result and progress, never the engine's logging.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
# Prefect's own internals (e.g. "EventsWorker - Still processing items" at exit) log under a separate level.
os.environ.setdefault("PREFECT_INTERNAL_LOGGING_LEVEL", "CRITICAL")
# A council's tool sends nothing about its use to anyone: Prefect's SDK telemetry is off unless asked for.
os.environ.setdefault("DO_NOT_TRACK", "1")
# Its queue services log under their bare class names, which neither level covers (e.g. "EventsWorker -
# Still processing items" while a temporary server is slow at exit); the CLI drains them itself.
ENGINE_SERVICE_LOGGERS = ("EventsWorker", "APILogWorker")
for _name in ENGINE_SERVICE_LOGGERS:
    logging.getLogger(_name).setLevel(logging.CRITICAL)

from cli.commands import COMMANDS  # noqa: E402
from scrutiny import progress  # noqa: E402
from scrutiny.errors import ScrutinyError  # noqa: E402
from scrutiny.runtime import interrupts  # noqa: E402
from scrutiny.runtime.prefect_api import prefect_api_on_demand  # noqa: E402
from scrutiny.settings import get_settings, prepare_prefect_environment  # noqa: E402
from state.db import database_failure  # noqa: E402

INTERRUPT_EXIT_S = 4.0  # after Ctrl-C or SIGTERM the process is gone within this, whatever still waits
EXIT_BOUND_S = 10.0  # after the command's result, Prefect's at-exit hooks get this long at most


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage on two lines; keep the one line the user needs, in the one shape every
        # error has ("scrutiny: error: ..."), naming the subcommand's help.
        self.exit(2, f"scrutiny: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="scrutiny", description="Scrutiny committee workflow: timetable, letters, responses, packs.")
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="print only the result: no progress lines on the way"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # No argv: this is the command's own process (console script, python -m cli), which may
    # bound its exit; tests call main() in-process with a list.
    own_process = argv is None
    parser = build_parser()
    args = parser.parse_args(argv)
    args.unusable_value = _unusable_value(parser, args)
    with interrupts.interrupts_handled(exit_deadline_s=INTERRUPT_EXIT_S if own_process else None):
        try:
            code = _run(args)
        except KeyboardInterrupt:  # a signal that landed while an error was being reported
            code = _interrupted()
    if own_process:
        interrupts.exit_within(EXIT_BOUND_S, code)
    return code


def _unusable_value(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """Why an argument cannot be used, or None. An empty ID, date or name (a script's unset
    variable) is refused, never taken for "not given": `--as-of ""` must not run as of today, nor
    `--meeting ""` for every meeting. A NUL byte, which no file name or ID can hold, neither."""
    for dest, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and not v.strip() for v in values):
            return f"{_argument_name(parser, dest) or dest}: must not be empty"
        if any(isinstance(v, str | PurePath) and "\x00" in str(v) for v in values):
            return f"{_argument_name(parser, dest) or dest}: contains a NUL byte, which no name or ID can hold"
    return None


def _argument_name(parser: argparse.ArgumentParser, dest: str) -> str | None:
    """How the user wrote the argument: '--as-of', or 'MEETING_ID' for a positional one."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if (name := _argument_name(sub, dest)) is not None:
                    return name
        elif action.dest == dest:
            return max(action.option_strings, key=len) if action.option_strings else str(action.metavar or dest)
    return None


def _run(args: argparse.Namespace) -> int:
    try:
        if args.unusable_value:
            raise ScrutinyError(args.unusable_value)
        settings = get_settings()
        prepare_prefect_environment(settings)
        quiet = bool(getattr(args, "quiet", False))
        # Progress goes to stderr as it happens (a bar on a terminal); stdout is the result.
        with (
            progress.reporting("quiet" if quiet else "auto"),
            prefect_api_on_demand(settings, announce=None if quiet else sys.stderr),  # flow commands find a server
        ):
            output = args.handler(args)
        if output:
            print(output)
        return 0
    except KeyboardInterrupt:
        return _interrupted()
    except ScrutinyError as exc:
        if interrupts.received_signal() is not None:
            return _interrupted()
        print(f"scrutiny: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # the last guard: a user never sees a traceback
        if interrupts.received_signal() is not None:  # the engine turned the interruption into its own error
            return _interrupted()
        cause = _domain_cause(exc) or database_failure(exc)
        if cause is not None:
            print(f"scrutiny: error: {cause}", file=sys.stderr)
            return cause.exit_code
        if isinstance(exc, OSError) and exc.filename is not None:
            # A file the command was given or had to use that the system refused (a name too long,
            # no permission, a full disk): the user's to fix, in one line.
            print(f"scrutiny: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        return _internal_error(exc)
    except BaseException:
        if interrupts.received_signal() is not None:  # e.g. Prefect's TerminationSignal for a SIGTERM mid-flow
            return _interrupted()
        raise


def _internal_error(exc: BaseException) -> int:
    first = (str(exc).strip().splitlines() or [""])[0]
    print(f"scrutiny: internal error: {type(exc).__name__}: {first}", file=sys.stderr)
    return 1


def _interrupted() -> int:
    interrupts.report_interrupted(sys.stderr)
    return interrupts.EXIT_CODE


def _domain_cause(exc: BaseException) -> ScrutinyError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ScrutinyError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
