"""pdf_ratio: the product's time per letter converted to PDF, against a fresh soffice per letter.

The product converts the letters of one command inside one ``libreoffice_session()``: one
LibreOffice started once (its start-up is counted) and kept warm. The baseline is what the
product used to do and what a script would do: one fresh ``soffice --convert-to pdf`` per
document, each with a throw-away profile. Both run in the same process on the same letters.
Goal (issue 12): pdf_ratio <= 0.25.

Usage: python benchmarks/pdf.py [-n 20]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _letters(n: int, folder: Path) -> list[Path]:
    from scrutiny.letters.render import render_letter
    from scrutiny.letters.samples import sample_context

    template, context = ROOT / "templates" / "request_letter.docx", sample_context()
    paths = [folder / f"letter-{number:02d}.docx" for number in range(1, n + 1)]
    for path in paths:
        render_letter(template, context, path)
    return paths


def _fresh_soffice(soffice: str, letter: Path, out_dir: Path, scratch: Path) -> None:
    from scrutiny.documents.libreoffice import PDF_FILTER

    with tempfile.TemporaryDirectory(dir=scratch) as profile:
        command = [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore"]
        command += ["--convert-to", PDF_FILTER, "--outdir", str(out_dir), str(letter)]
        subprocess.run(command, check=True, capture_output=True, timeout=300)
    if not (out_dir / f"{letter.stem}.pdf").read_bytes().startswith(b"%PDF"):
        raise RuntimeError(f"soffice produced no PDF for {letter.name}")


def measure_pdf_ratio(n: int = 20) -> dict[str, Any]:
    """Convert ``n`` letters both ways; the product's time counts starting LibreOffice."""
    from scrutiny.documents.libreoffice import find_soffice, libreoffice_session
    from scrutiny.documents.pdf import convert_to_pdf

    soffice = find_soffice()
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: run scripts/setup.sh")
    with tempfile.TemporaryDirectory(prefix="scrutiny-bench-pdf-") as work:
        folder = Path(work)
        letters = _letters(n, folder / "letters")
        _fresh_soffice(soffice, letters[0], folder / "warm-up", folder)  # page cache: fair to both

        started = time.perf_counter()
        for letter in letters:
            _fresh_soffice(soffice, letter, folder / "fresh", folder)
        fresh_s = time.perf_counter() - started

        started = time.perf_counter()
        with libreoffice_session() as office:
            for letter in letters:
                convert_to_pdf(letter, folder / "product")
            warm = office.warm
        product_s = time.perf_counter() - started
        produced = sorted(p.name for p in (folder / "product").glob("*.pdf"))
        if len(produced) != n:
            raise RuntimeError(f"the product converted {len(produced)} of {n} letters")
    return {
        "letters": n,
        "warm": warm,
        "fresh_s_per_letter": fresh_s / n,
        "product_s_per_letter": product_s / n,
        "pdf_ratio": product_s / fresh_s,
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"{'converter':<44} {'s/letter':>9}")
    print(f"{'fresh soffice --convert-to per letter':<44} {result['fresh_s_per_letter']:>9.3f}")
    engine = "warm UNO session" if result["warm"] else "session (no uno: one-shot)"
    print(f"{'product, ' + engine + ', start-up included':<44} {result['product_s_per_letter']:>9.3f}")
    print(f"pdf_ratio={result['pdf_ratio']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="letters to convert (default 20)")
    print_table(measure_pdf_ratio(parser.parse_args().n))


if __name__ == "__main__":
    main()
