"""scrutiny templates check [FILE] [--kind KIND] [--preview-dir DIR]"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from cli.commands._common import Subparsers
from scrutiny.errors import ScrutinyError
from scrutiny.letters.kinds import LETTER_TEMPLATES
from scrutiny.settings import get_settings
from scrutiny.template_check import TEMPLATE_KINDS, TemplateCheckReport, check_template

# What `templates check` looks at with no FILE: the four letters, then the two pack sheets.
PACK_TEMPLATES = ("front_sheet.docx", "cover_sheet.docx")


def register(commands: Subparsers) -> None:
    parser = commands.add_parser("templates", help="check the Word templates of letters and agenda packs")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", help="report syntax errors, unknown variables and unsafe expressions; render a preview of each"
    )
    check.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        help="one template (default: the six in the templates folder, SCRUTINY_TEMPLATES_DIR)",
    )
    check.add_argument(
        "--kind",
        choices=TEMPLATE_KINDS,
        help="which variables FILE may use and which sample previews it (default: from its name, else request)",
    )
    check.add_argument(
        "--preview-dir", type=Path, metavar="DIR", help="where to write the previews (default: a new temporary folder)"
    )
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> str:
    if args.kind and args.file is None:
        raise ScrutinyError("--kind needs a FILE: the templates folder's files are checked by their names")
    if args.file is None:
        folder = get_settings().effective_templates_dir
        files = [folder / name for name in (*LETTER_TEMPLATES, *PACK_TEMPLATES)]
    else:
        files = [args.file]
    preview_dir = args.preview_dir or Path(tempfile.mkdtemp(prefix="scrutiny-template-preview-"))
    try:
        preview_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScrutinyError(f"--preview-dir {preview_dir}: cannot create it ({exc.strerror})") from None
    reports = [check_template(path, kind=args.kind, preview_dir=preview_dir) for path in files]
    lines = [_line for report in reports for _line in _report_lines(report)]
    failed = [report for report in reports if not report.ok]
    if not failed:
        return "\n".join(lines)
    # The problems go to standard output, one a line; the summary is the command's error line.
    print("\n".join(lines))
    problems = sum(len(report.problems) for report in failed)
    names = ", ".join(report.template.name for report in failed if report.template is not None)
    raise ScrutinyError(
        f"{len(failed)} of {len(reports)} template(s) have problems ({problems} in all: {names}); "
        "letters and packs using them are refused until they are fixed"
    )


def _report_lines(report: TemplateCheckReport) -> list[str]:
    name = report.template.name if report.template is not None else "?"
    if report.ok:
        return [f"OK {name} (preview: {report.preview_path})"]
    return list(report.problems)
