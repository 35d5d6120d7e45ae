"""The manual cannot drift from the code.

Each page of docs/ owns part of what the code defines: commands (with their options), SCRUTINY_*
settings, committee-file keys, template variables, flows and deployments. A test fails when the
code defines something no page owns, or when the owning page does not mention it; so a command
or setting added without docs fails here. To document a new one, add one line to the matching
*_OWNERS table below and write about it on that page.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from cli.main import build_parser
from scrutiny.config import schema
from scrutiny.letters.context import TEMPLATE_VARIABLES
from scrutiny.pack.template_variables import COVER_SHEET_VARIABLES, FRONT_SHEET_VARIABLES
from scrutiny.settings import Settings
from scrutiny.timetable import TimetableRules

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"

# Every page of the manual, and who it is written for.
PAGES: dict[str, str] = {
    "index.md": "everyone",
    "commands.md": "everyone",
    "configuration.md": "operators and officers",
    "timetable.md": "officers",
    "calendars.md": "officers",
    "calendar-pattern.md": "officers",
    "letters.md": "officers",
    "email.md": "operators and officers",
    "responses.md": "officers",
    "intake.md": "officers and operators",
    "packs.md": "officers",
    "operations.md": "operators",
    "operations-temporary-server.md": "operators and developers",
    "operations-processes.md": "operators and developers",
    "backups.md": "operators",
    "personal-data.md": "officers and operators",
    "architecture.md": "developers",
    "evidence.md": "operators and developers",
}

COMMAND_OWNERS: dict[str, str] = {
    "scrutiny init": "configuration.md",
    "scrutiny committees list": "configuration.md",
    "scrutiny committees remove": "configuration.md",
    "scrutiny meetings list": "calendars.md",
    "scrutiny meetings import": "calendars.md",
    "scrutiny calendar export": "calendars.md",
    "scrutiny timetable": "timetable.md",
    "scrutiny plan": "timetable.md",
    "scrutiny plan pin": "timetable.md",
    "scrutiny plan unpin": "timetable.md",
    "scrutiny programme": "timetable.md",
    "scrutiny letters": "letters.md",
    "scrutiny letters preview": "letters.md",
    "scrutiny templates check": "letters.md",
    "scrutiny responses due": "responses.md",
    "scrutiny responses record": "responses.md",
    "scrutiny responses withdraw": "responses.md",
    "scrutiny responses collect": "responses.md",
    "scrutiny responses history": "responses.md",
    "scrutiny remind": "responses.md",
    "scrutiny minutes record": "packs.md",
    "scrutiny items add": "packs.md",
    "scrutiny items move": "packs.md",
    "scrutiny items remove": "packs.md",
    "scrutiny items list": "packs.md",
    "scrutiny pack": "packs.md",
    "scrutiny run": "index.md",
    "scrutiny server start": "operations.md",
    "scrutiny server status": "operations.md",
    "scrutiny server stop": "operations.md",
    "scrutiny backup": "backups.md",
    "scrutiny restore": "backups.md",
    "scrutiny contacts forget": "personal-data.md",
}

SETTING_OWNERS: dict[str, str] = {
    "SCRUTINY_HOME": "configuration.md",
    "SCRUTINY_DATABASE_URL": "configuration.md",
    "SCRUTINY_TEMPLATES_DIR": "letters.md",
    "SCRUTINY_PDF": "letters.md",
    "SCRUTINY_PDF_TIMEOUT_S": "letters.md",
    "SCRUTINY_SMTP_HOST": "email.md",
    "SCRUTINY_SMTP_PORT": "email.md",
    "SCRUTINY_SMTP_USERNAME": "email.md",
    "SCRUTINY_SMTP_PASSWORD": "email.md",
    "SCRUTINY_SMTP_PASSWORD_BLOCK": "email.md",
    "SCRUTINY_SMTP_STARTTLS": "email.md",
    "SCRUTINY_DELIVERY_RETRY_DELAYS": "email.md",
    "SCRUTINY_INTAKE_MAX_MB": "intake.md",
    "SCRUTINY_INTAKE_MAX_ZIP_ENTRIES": "intake.md",
    "SCRUTINY_INTAKE_MAX_UNCOMPRESSED_MB": "intake.md",
    "SCRUTINY_INTAKE_MAX_COMPRESSION_RATIO": "intake.md",
    "SCRUTINY_INTAKE_MAX_PDF_PAGES": "intake.md",
    "SCRUTINY_INTAKE_CONVERT_TIMEOUT_S": "intake.md",
    "SCRUTINY_IMAP_HOST": "intake.md",
    "SCRUTINY_IMAP_PORT": "intake.md",
    "SCRUTINY_IMAP_USER": "intake.md",
    "SCRUTINY_IMAP_PASSWORD": "intake.md",
    "SCRUTINY_IMAP_PASSWORD_BLOCK": "intake.md",
    "SCRUTINY_IMAP_FOLDER": "intake.md",
    "SCRUTINY_IMAP_UNMATCHED_FOLDER": "intake.md",
    "SCRUTINY_IMAP_DONE_FOLDER": "intake.md",
    "SCRUTINY_IMAP_SSL": "intake.md",
    "SCRUTINY_DATABASE_URL_BLOCK": "operations.md",
    "SCRUTINY_SERVER_HOST": "operations.md",
    "SCRUTINY_SERVER_PORT": "operations.md",
    "SCRUTINY_EXPECT_REVISION": "operations.md",
    "SCRUTINY_EXPECT_COMMITTEES": "operations.md",
    "SCRUTINY_PACK_ATTACH_MAX_MB": "packs.md",
    "SCRUTINY_PACK_BASE_URL": "packs.md",
}

# The models of the committee file, by class name; the page must mention each of their keys.
CONFIG_MODEL_OWNERS: dict[str, str] = {
    "CommitteeConfig": "configuration.md",
    "CommitteeInfo": "configuration.md",
    "Person": "configuration.md",
    "CcPerson": "configuration.md",
    "Member": "configuration.md",
    "Contact": "configuration.md",
    "Organisation": "configuration.md",
    "Review": "configuration.md",
    "Recommendation": "configuration.md",
    "Commitment": "configuration.md",
    "MeetingEntry": "configuration.md",
    "MeetingPattern": "calendar-pattern.md",
    "TimetableRules": "timetable.md",
}

TEMPLATE_VARIABLE_OWNERS: dict[str, tuple[dict[str, str], str]] = {
    "letters": (TEMPLATE_VARIABLES, "letters.md"),
    "front_sheet.docx": (FRONT_SHEET_VARIABLES, "letters.md"),
    "cover_sheet.docx": (COVER_SHEET_VARIABLES, "letters.md"),
}

FLOW_OWNERS: dict[str, str] = {
    "plan-annual-updates": "architecture.md",
    "issue-request-letters": "architecture.md",
    "chase-responses": "architecture.md",
    "record-response": "architecture.md",
    "collect-responses": "architecture.md",
    "assemble-agenda-pack": "architecture.md",
    "send-agenda-pack": "packs.md",
    "scrutiny-cycle": "architecture.md",
}

DEPLOYMENT_OWNERS: dict[str, str] = {
    "scrutiny-cycle/daily": "architecture.md",
    "chase-responses/daily-chasers": "architecture.md",
    "plan-annual-updates/plan-on-demand": "architecture.md",
    "issue-request-letters/letters-on-demand": "architecture.md",
    "assemble-agenda-pack/pack-on-demand": "architecture.md",
    "record-response/record-response": "architecture.md",
}


def page_text(page: str) -> str:
    path = DOCS / page
    assert path.is_file(), f"docs/{page} is named as an owner but does not exist"
    return path.read_text(encoding="utf-8")


def _owner(table: dict[str, str], name: str, table_name: str) -> str:
    assert name in table, (
        f"{name} is documented on no page: add it to {table_name} in tests/test_docs.py and describe it there"
    )
    page = table[name]
    assert page in PAGES, f"{table_name}[{name!r}]: {page} is not a page"
    return page


# --------------------------------------------------------------------------------------
# What the code defines


def _commands(
    parser: argparse.ArgumentParser, prefix: str = "scrutiny"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from _commands(sub, f"{prefix} {name}")


# A command a user can run is one with a handler; `scrutiny meetings` alone only groups others.
COMMANDS = {name: sub for name, sub in _commands(build_parser()) if sub.get_default("handler") is not None}


def _subcommand_names(parser: argparse.ArgumentParser) -> list[str]:
    return [n for a in parser._actions if isinstance(a, argparse._SubParsersAction) for n in a.choices]


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"]


def _settings() -> list[str]:
    prefix = str(Settings.model_config.get("env_prefix", "")).upper()
    return [f"{prefix}{name.upper()}" for name in Settings.model_fields]


def _models_in(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models_in(argument)


def _config_models() -> dict[str, type[BaseModel]]:
    """Every model a committee file is made of: those reachable from its root, and any other in schema.py."""
    found: dict[str, type[BaseModel]] = {}
    pending: list[type[BaseModel]] = [schema.CommitteeConfig, TimetableRules]
    pending += [
        value
        for value in vars(schema).values()
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == schema.__name__
    ]
    while pending:
        model = pending.pop()
        if model.__name__ in found or not model.model_fields:
            continue
        found[model.__name__] = model
        for field in model.model_fields.values():
            pending += list(_models_in(field.annotation))
    return found


CONFIG_MODELS = _config_models()


def _flows() -> dict[tuple[str, str], str]:
    """(module path, function name) -> flow name, for every @flow(name=...) in flows/."""
    flows: dict[tuple[str, str], str] = {}
    for path in sorted((ROOT / "flows").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "flow":
                    for keyword in decorator.keywords:
                        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                            flows[(f"flows/{path.name}", node.name)] = str(keyword.value.value)
    return flows


FLOWS = _flows()


def _deployments() -> list[str]:
    names = []
    for deployment in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]:
        module, function = deployment["entrypoint"].split(":")
        flow = FLOWS.get((module, function))
        assert flow is not None, (
            f"prefect.yaml: deployment {deployment['name']}: no @flow at {deployment['entrypoint']}"
        )
        names.append(f"{flow}/{deployment['name']}")
    return names


# --------------------------------------------------------------------------------------
# Ownership: everything is owned, and its page mentions it


def _command_spans(text: str, command: str, subcommands: list[str]) -> list[str]:
    """The backtick spans that show `command` itself (not one of its subcommands)."""
    spans = []
    for span in re.findall(r"`([^`\n]+)`", text):
        if span == command or span.startswith(command + " "):
            rest = span[len(command) :].split()
            if not rest or rest[0] not in subcommands:
                spans.append(span)
    return spans


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_and_its_options_are_on_their_page(command: str) -> None:
    page = _owner(COMMAND_OWNERS, command, "COMMAND_OWNERS")
    parser = COMMANDS[command]
    spans = _command_spans(page_text(page), command, _subcommand_names(parser))
    assert spans, f"docs/{page} does not show `{command}`"
    for option in _options(parser):
        assert any(re.search(rf"{re.escape(option)}(?![\w-])", span) for span in spans), (
            f"docs/{page} does not show {option} with `{command}` (e.g. `{command} {option}`)"
        )


@pytest.mark.parametrize("setting", _settings())
def test_every_setting_is_on_its_page(setting: str) -> None:
    page = _owner(SETTING_OWNERS, setting, "SETTING_OWNERS")
    assert f"`{setting}`" in page_text(page), f"docs/{page} does not mention `{setting}`"


@pytest.mark.parametrize("model", sorted(CONFIG_MODELS))
def test_every_configuration_key_is_on_its_page(model: str) -> None:
    page = _owner(CONFIG_MODEL_OWNERS, model, "CONFIG_MODEL_OWNERS")
    text = page_text(page)
    for key in CONFIG_MODELS[model].model_fields:
        assert f"`{key}`" in text, f"docs/{page} does not mention the configuration key {model}.{key}"


@pytest.mark.parametrize("sheet", sorted(TEMPLATE_VARIABLE_OWNERS))
def test_every_template_variable_is_on_its_page(sheet: str) -> None:
    variables, page = TEMPLATE_VARIABLE_OWNERS[sheet]
    text = page_text(page)
    for name in variables:
        assert f"`{name}`" in text, f"docs/{page} does not mention the {sheet} template variable `{name}`"


@pytest.mark.parametrize("flow", sorted(set(FLOWS.values())))
def test_every_flow_is_on_its_page(flow: str) -> None:
    page = _owner(FLOW_OWNERS, flow, "FLOW_OWNERS")
    assert f"`{flow}`" in page_text(page), f"docs/{page} does not mention the flow `{flow}`"


@pytest.mark.parametrize("deployment", _deployments())
def test_every_deployment_is_on_its_page(deployment: str) -> None:
    page = _owner(DEPLOYMENT_OWNERS, deployment, "DEPLOYMENT_OWNERS")
    assert f"`{deployment}`" in page_text(page), f"docs/{page} does not mention the deployment `{deployment}`"


def test_the_owner_tables_name_only_what_exists() -> None:
    """A renamed or removed command, setting, model, flow or deployment leaves no stale owner behind."""
    assert FLOWS, "no @flow(name=...) found in flows/"
    stale = {
        "COMMAND_OWNERS": set(COMMAND_OWNERS) - set(COMMANDS),
        "SETTING_OWNERS": set(SETTING_OWNERS) - set(_settings()),
        "CONFIG_MODEL_OWNERS": set(CONFIG_MODEL_OWNERS) - set(CONFIG_MODELS),
        "FLOW_OWNERS": set(FLOW_OWNERS) - set(FLOWS.values()),
        "DEPLOYMENT_OWNERS": set(DEPLOYMENT_OWNERS) - set(_deployments()),
    }
    assert not any(stale.values()), {table: sorted(names) for table, names in stale.items() if names}


# --------------------------------------------------------------------------------------
# The generated parts are current


def _cli_reference(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_reference.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_generated_reference_and_tables_are_current() -> None:
    result = _cli_reference("--check")
    assert result.returncode == 0, (
        "run .venv/bin/python scripts/cli_reference.py to regenerate the docs\n" + result.stdout + result.stderr
    )


def test_the_check_fails_with_a_diff_on_a_stale_page(tmp_path: Path) -> None:
    pages = tmp_path / "docs"
    shutil.copytree(DOCS, pages)
    commands = pages / "commands.md"
    commands.write_text(commands.read_text(encoding="utf-8").replace("| `--as-of DATE` |", "| `--as-at DATE` |", 1))
    result = _cli_reference("--check", "--docs-dir", str(pages))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "-| `--as-at DATE`" in result.stdout and "+| `--as-of DATE`" in result.stdout
    assert "--as-at" in commands.read_text(encoding="utf-8"), "--check must not rewrite the page"


def test_the_check_fails_when_a_page_loses_its_generated_block(tmp_path: Path) -> None:
    pages = tmp_path / "docs"
    shutil.copytree(DOCS, pages)
    letters = pages / "letters.md"
    letters.write_text(letters.read_text(encoding="utf-8").replace("[[[cog: cover-sheet-variables ]]]", "", 1))
    result = _cli_reference("--check", "--docs-dir", str(pages))
    assert result.returncode == 2 and "cover-sheet-variables" in result.stderr, result.stdout + result.stderr


# --------------------------------------------------------------------------------------
# The pages hang together


def _markdown_pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _without_code(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", _without_code(text), flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        candidate, number = slug, 0
        while candidate in anchors:
            number += 1
            candidate = f"{slug}-{number}"
        anchors.add(candidate)
    return anchors


def _links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", _without_code(text))


def test_every_page_is_known() -> None:
    unknown = {p.name for p in DOCS.glob("*.md")} - set(PAGES)
    assert not unknown, f"add {sorted(unknown)} to PAGES in tests/test_docs.py, with what each page owns"
    missing = set(PAGES) - {p.name for p in DOCS.glob("*.md")}
    assert not missing, f"docs/ lacks {sorted(missing)}"


@pytest.mark.parametrize("page", _markdown_pages(), ids=lambda p: p.name)
def test_links_between_pages_resolve(page: Path) -> None:
    for link in _links(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", link):
            continue  # an outside address
        target_name, _, anchor = link.partition("#")
        target = (page.parent / target_name).resolve() if target_name else page
        assert target.exists(), f"{page.name}: link {link!r} goes nowhere"
        if anchor and target.suffix == ".md":
            assert anchor in _anchors(target.read_text(encoding="utf-8")), f"{page.name}: no heading for {link!r}"


def test_readme_and_index_link_every_page() -> None:
    readme, index = README.read_text(encoding="utf-8"), page_text("index.md")
    for page in PAGES:
        assert f"(docs/{page})" in readme, f"README.md does not link docs/{page}"
        if page != "index.md":
            assert f"({page})" in index, f"docs/index.md does not link {page}"


def test_readme_is_short_and_gives_the_two_commands() -> None:
    readme = README.read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 200, "README.md is the way in, not the manual: keep it under 200 lines"
    assert "./scripts/run.sh" in readme and "./scripts/test.sh" in readme
    assert "./scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "source .venv/bin/activate" in readme and "./bin/scrutiny" in readme


def _readme_commands() -> list[str]:
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", README.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] in ("scrutiny", "./bin/scrutiny"):
                commands.append(line)
    return commands


@pytest.mark.parametrize("line", _readme_commands())
def test_readme_examples_are_commands_the_program_accepts(line: str) -> None:
    words = shlex.split(line, comments=True)
    try:
        build_parser().parse_args(words[1:])
    except SystemExit as exc:
        pytest.fail(f"README.md: {line!r} is not a valid command (exit {exc.code})")


# --------------------------------------------------------------------------------------
# The wrapper the README offers


def _checkout_with_wrapper(tmp_path: Path, *, with_venv: bool) -> Path:
    """A checkout-shaped folder holding the wrapper (and this checkout's .venv, when wanted)."""
    checkout = tmp_path / "checkout"
    (checkout / "bin").mkdir(parents=True)
    shutil.copy2(ROOT / "bin" / "scrutiny", checkout / "bin" / "scrutiny")
    if with_venv:
        (checkout / ".venv").symlink_to(Path(sys.prefix))
    return checkout


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRUTINY_")}
    return env | extra


def test_wrapper_runs_the_checkouts_scrutiny() -> None:
    result = subprocess.run(
        [str(ROOT / "bin" / "scrutiny"), "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    for name in ("init", "run", "templates"):
        assert re.search(rf"^ +{name}\s", result.stdout, flags=re.MULTILINE), result.stdout


def test_wrapper_keeps_its_data_in_the_checkout_unless_told_otherwise(tmp_path: Path) -> None:
    checkout = _checkout_with_wrapper(tmp_path, with_venv=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    wrapper = str(checkout / "bin" / "scrutiny")
    run = subprocess.run(
        [wrapper, "init"], cwd=elsewhere, env=_environment(), capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert (checkout / "state" / "scrutiny.db").is_file() and not (elsewhere / "state").exists()

    home = tmp_path / "home"
    run = subprocess.run(
        [wrapper, "init"],
        cwd=elsewhere,
        env=_environment(SCRUTINY_HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert (home / "state" / "scrutiny.db").is_file()


def test_wrapper_without_a_virtualenv_says_what_to_run(tmp_path: Path) -> None:
    checkout = _checkout_with_wrapper(tmp_path, with_venv=False)
    result = subprocess.run(
        [str(checkout / "bin" / "scrutiny"), "run"], env=_environment(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "./scripts/run.sh" in result.stderr and "\n" not in result.stderr.strip()
    assert not (checkout / "state").exists()
