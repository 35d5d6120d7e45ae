"""How much the agenda-pack assembler costs over appending the same documents with docxcompose.

The product assembles the Word pack of a 20-item agenda with 40 written responses (generated,
each a few pages with a cover table, headings, numbered and bulleted lists, an action table
and a logo) through ``assemble_pack(..., with_pdf=False)``: front sheet and cover sheets
rendered from their templates, headings, validation, normalised bytes written to disk. The
baseline, in the same run, opens the same front sheet and appends the same 40 responses with
bare docxcompose and saves the result. Usage: python benchmarks/pack.py [--repeats N] [--items N]
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ITEMS = 20
RESPONSES_PER_ITEM = 2


def _png(width: int, height: int) -> bytes:
    """A small two-colour PNG, like a council or police logo, made without an imaging library."""
    rows = b"".join(
        b"\x00" + b"".join(b"\x00\x50\xa0" if (x // 10 + y // 10) % 2 else b"\xff\xff\xff" for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def write_response(path: Path, organisation: str, number: int, logo: Path) -> Path:
    """A written response shaped like the CSP's of 19 September 2023, about four pages."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    doc.add_picture(str(logo), width=Cm(4))
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    for label, value in (
        ("Title of Report", f"{organisation}: response to the Commission's request {number}"),
        ("Author", "Jason Davis"),
        ("Meeting Date", "9 December 2024"),
        ("Cabinet Member", "Cllr Susan Fajana-Thomas"),
        ("Group Director", "Dawn Carter-McDonald"),
    ):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_paragraph("1. INTRODUCTION", style="Heading 1")
    doc.add_paragraph("The following is a co-ordinated response to the Commission's recommendations. " * 6)
    for recommendation in range(1, 5):
        doc.add_paragraph(f"Recommendation {recommendation}", style="Heading 2")
        for _ in range(3):
            doc.add_paragraph(
                "Partnership working continues across the BCU-wide Confidence and Satisfaction Board, "
                "with engagement events communicated through ward panels and the Young People's "
                "Independent Advisory Group. " * 3
            )
        for point in ("Body worn camera dip sampling", "Community engagement in training", "Section 60 communication"):
            doc.add_paragraph(point, style="List Number")
        for point in ("Quarterly reporting", "Named lead officer"):
            doc.add_paragraph(point, style="List Bullet")
    actions = doc.add_table(rows=1, cols=4)
    actions.style = doc.styles["Table Grid"]
    for cell, label in zip(actions.rows[0].cells, ("Ref", "Activity", "Lead partners", "Status")):
        cell.text = label
    for ref in range(1, 9):
        cells = actions.add_row().cells
        for cell, value in zip(cells, (f"TC{ref}", "Engagement activity", "MPS, CSP", "On track")):
            cell.text = value
    doc.save(str(path))
    return path


def build_spec(folder: Path, items_count: int = ITEMS, per_item: int = RESPONSES_PER_ITEM) -> tuple[Any, list[Path]]:
    from scrutiny.pack.spec import PackItem, PackResponse, PackSpec, Presenter, WorkProgrammeRow, standard_agenda

    logo = folder / "logo.png"
    logo.write_bytes(_png(120, 48))
    documents: list[Path] = []
    items = []
    for item in range(1, items_count + 1):
        responses = []
        for index in range(per_item):
            organisation = f"Respondent {item}-{index + 1}"
            path = write_response(folder / f"response-{item}-{index}.docx", organisation, item, logo)
            documents.append(path)
            responses.append(PackResponse(organisation, path, date(2024, 11, 20)))
        items.append(
            PackItem(
                f"Annual update {item}",
                "substantive",
                purpose="To receive the annual update and to question the contributors.",
                presenters=[Presenter("Jason Davis", "Head of Community Safety", "Hackney CSP")],
                source=f"Recommendation {item} of the 2019 Serious Violence review",
                responses=responses,
            )
        )
    spec = PackSpec(
        committee_name="Living in Hackney Scrutiny Commission",
        council_name="London Borough of Hackney",
        meeting_title="Living in Hackney Scrutiny Commission",
        meeting_date=date(2024, 12, 9),
        start_time_text="7.00 pm",
        venue="Council Chamber, Hackney Town Hall",
        members=["Cllr Sharon Patrick (Chair)", "Cllr Sade Etti (Vice Chair)"],
        contact_officer="Tracey Anderson",
        contact_email="tracey.anderson@hackney.example",
        published_on=date(2024, 11, 29),
        statutory_publication_date=date(2024, 11, 29),
        items=standard_agenda(items),
        work_programme=[
            WorkProgrammeRow(date(2024, 12, 9), f"Annual update {n}", "Review", "this meeting")
            for n in range(1, ITEMS + 1)
        ],
    )
    return spec, documents


def bare_docxcompose(front_sheet: Path, documents: list[Path]) -> bytes:
    """The floor: the same front sheet with the same responses appended, nothing else."""
    from docx import Document
    from docxcompose.composer import Composer

    composer = Composer(Document(str(front_sheet)))
    for path in documents:
        composer.append(Document(str(path)))
    buffer = io.BytesIO()
    composer.save(buffer)
    return buffer.getvalue()


def _timed(action: Callable[[], object]) -> tuple[float, float]:
    """CPU seconds of this process (what the ratio uses: other jobs on a shared machine barely
    move it) and wall seconds."""
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return time.process_time() - cpu, time.perf_counter() - wall


def measure_pack_ratio(
    repeats: int = 5, items: int = ITEMS, responses_per_item: int = RESPONSES_PER_ITEM
) -> dict[str, Any]:
    """Product and baseline timed alternately in one run, ``repeats`` times each; the ratio of
    the fastest CPU time of each (wall times are reported too). Smaller ``items``: a smoke run."""
    from scrutiny.pack.assemble import assemble_pack

    templates = ROOT / "templates"
    with tempfile.TemporaryDirectory(prefix="pack-bench-") as scratch_name:
        scratch = Path(scratch_name)
        spec, documents = build_spec(scratch, items, responses_per_item)
        out = scratch / "out"
        product: list[tuple[float, float]] = []
        baseline: list[tuple[float, float]] = []
        for _ in range(repeats):
            product.append(_timed(lambda: assemble_pack(spec, templates, out, with_pdf=False)))
            baseline.append(_timed(lambda: bare_docxcompose(templates / "front_sheet.docx", documents)))
        size = (out / "2024-12-09-agenda-pack-v1.docx").stat().st_size
    best_product, best_baseline = min(cpu for cpu, _ in product), min(cpu for cpu, _ in baseline)
    return {
        "items": items,
        "responses": len(documents),
        "repeats": repeats,
        "product_cpu_seconds": best_product,
        "baseline_cpu_seconds": best_baseline,
        "product_wall_seconds": min(wall for _, wall in product),
        "baseline_wall_seconds": min(wall for _, wall in baseline),
        "runs": [{"product": ours, "baseline": bare} for ours, bare in zip(product, baseline)],
        "pack_bytes": size,
        "pack_ratio": best_product / best_baseline,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--items", type=int, default=ITEMS, help=f"agenda items, {RESPONSES_PER_ITEM} responses each")
    args = parser.parse_args()
    result = measure_pack_ratio(args.repeats, args.items)
    print(f"{result['items']} items, {result['responses']} responses, pack {result['pack_bytes'] / 1024:.0f} KiB")
    print(f"{'run':>4}  {'assemble_pack cpu / wall (s)':>28}  {'bare docxcompose cpu / wall (s)':>31}")
    for run, times in enumerate(result["runs"], start=1):
        (ours_cpu, ours_wall), (bare_cpu, bare_wall) = times["product"], times["baseline"]
        print(f"{run:>4}  {ours_cpu:>16.3f} / {ours_wall:>7.3f}  {bare_cpu:>19.3f} / {bare_wall:>7.3f}")
    print(
        f"{'best':>4}  {result['product_cpu_seconds']:>16.3f} / {result['product_wall_seconds']:>7.3f}  "
        f"{result['baseline_cpu_seconds']:>19.3f} / {result['baseline_wall_seconds']:>7.3f}"
    )
    print(f"pack_ratio={result['pack_ratio']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
