"""Write the agenda pack's Word templates (front sheet, cover sheet) into templates/.

Usage: .venv/bin/python scripts/build_pack_templates.py [TEMPLATES_DIR]
Re-running overwrites both files, so any wording an officer changed in Word is lost.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scrutiny.pack.template_builder import build_pack_templates  # noqa: E402


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else REPO / "templates"
    for path in build_pack_templates(out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
