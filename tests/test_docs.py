"""The README is the user's manual: a command, option, setting, template variable or flow it does not
mention is a failing test."""

from __future__ import annotations

import argparse
import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from scrutiny.cli.main import build_parser
from scrutiny.config import schema
from scrutiny.letters.context import TEMPLATE_VARIABLES
from scrutiny.pack.template_variables import COVER_SHEET_VARIABLES, FRONT_SHEET_VARIABLES
from scrutiny.settings import Settings
from scrutiny.timetable import TimetableRules

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(
    parser: argparse.ArgumentParser, prefix: str = "scrutiny"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from _commands(sub, f"{prefix} {name}")


COMMANDS = list(_commands(build_parser()))


@pytest.mark.parametrize(("command", "parser"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_every_command_and_option_is_documented(command: str, parser: argparse.ArgumentParser) -> None:
    assert f"`{command}" in README, f"README does not document `{command}`"
    for action in parser._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert re.search(rf"`{re.escape(command)}[^`]*{re.escape(option)}", README), (
                    f"README does not show {option} for `{command}`"
                )


def test_every_environment_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`SCRUTINY_{name.upper()}`" in README, f"SCRUTINY_{name.upper()} is not in the README"


def _fields(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


@pytest.mark.parametrize(
    "model",
    [
        TimetableRules,
        schema.CommitteeInfo,
        schema.Member,
        schema.Organisation,
        schema.Contact,
        schema.Review,
        schema.Recommendation,
        schema.Commitment,
        schema.MeetingEntry,
        schema.Person,
    ],
)
def test_every_configuration_key_is_documented(model: type[BaseModel]) -> None:
    for field in _fields(model):
        assert f"`{field}`" in README, f"configuration key {model.__name__}.{field} is not in the README"


@pytest.mark.parametrize(
    "variables", [TEMPLATE_VARIABLES, FRONT_SHEET_VARIABLES, COVER_SHEET_VARIABLES], ids=["letters", "front", "cover"]
)
def test_every_template_variable_is_documented(variables: dict[str, str]) -> None:
    for name in variables:
        assert f"`{name}`" in README, f"template variable {name} is not in the README"


def _flow_names() -> list[str]:
    names = []
    for path in (ROOT / "flows").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "flow":
                names += [k.value.value for k in node.keywords if k.arg == "name" and isinstance(k.value, ast.Constant)]
    return names


def test_every_flow_and_deployment_is_documented() -> None:
    flows = _flow_names()
    assert len(flows) >= 6
    for name in flows:
        assert f"`{name}`" in README, f"flow {name} is not in the README"
    for deployment in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]:
        assert f"/{deployment['name']}`" in README, f"deployment {deployment['name']} is not in the README"


def test_the_two_commands_are_the_ones_ci_runs() -> None:
    assert "./scripts/run.sh" in README and "./scripts/test.sh" in README
    assert "./scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
