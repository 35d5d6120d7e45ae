"""What the letter renderer remembers between letters, so each letter costs about what bare docxtpl does.

Nothing here skips a check: each memo holds the result of work whose input is unchanged.
- The sandbox keeps the code it compiled from each Jinja source text (docxtpl compiles every
  part of the document on every render; the same source always gives the same code, and the
  sandbox's checks are made by that code at run time, on every render).
- A template's static analysis and its parsed package are kept while its file is unchanged
  (path, modification time and size, the same before and after the file was opened); each
  letter renders into its own deep copy of the package, so no letter sees another's.
- The leftover-tag scan skips a part whose name, CRC and size match a part it already found
  free of braces (the styles, theme and fonts every letter shares).
- The zip's time stamps are fixed in place instead of inflating and deflating every part again.
"""

from __future__ import annotations

import copy
import struct
import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Generic, TypeVar

from docx.document import Document
from docxtpl import DocxTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment

from scrutiny.documents.docx_zip import normalise_docx
from scrutiny.letters.render_limits import LimitedSandbox
from scrutiny.letters.template_source import TemplateAnalysis, analyse_template, open_template

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Bounded(Generic[K, V]):
    """A small least-recently-used map, safe to share between threads."""

    def __init__(self, size: int) -> None:
        self._size, self._items, self._lock = size, OrderedDict[K, V](), threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class RememberingSandbox(LimitedSandbox):
    """The letter sandbox (``render_limits.LimitedSandbox``) that keeps the code it compiled
    from each source text (a template has a handful of parts)."""

    def __init__(self) -> None:
        super().__init__()
        self._compiled = _Bounded[str, types.CodeType](32)

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        if not isinstance(source, str) or name or filename or raw or defer_init:
            return super().compile(source, name, filename, raw, defer_init)
        code = self._compiled.get(source)
        if code is None:
            code = super().compile(source)
            self._compiled.put(source, code)
        return code


RENDER_ENV = RememberingSandbox()
_FileKey = tuple[str, int, int, tuple[str, ...]]
_ANALYSES = _Bounded[_FileKey, tuple[Document, TemplateAnalysis]](16)
_CLEAN_PARTS = _Bounded[tuple[str, int, int], bool](256)
_WELLFORMED_PARTS = _Bounded[tuple[str, int, int], bool](256)


def _file_key(template: Path, variables: Mapping[str, str]) -> _FileKey | None:
    try:
        stat = template.stat()
    except OSError:
        return None  # open_template says what is wrong
    return (str(template.resolve()), stat.st_mtime_ns, stat.st_size, tuple(sorted(variables)))


def open_and_analyse(
    template: Path, env: ImmutableSandboxedEnvironment, variables: Mapping[str, str]
) -> tuple[DocxTemplate, TemplateAnalysis]:
    """A template ready to render (its own copy of the package) and its static analysis,
    both remembered while the file is unchanged."""
    key = _file_key(template, variables)
    known = _ANALYSES.get(key) if key is not None else None
    if known is not None and key == _file_key(template, variables):
        pristine, analysis = known
        docx_template = DocxTemplate(template)
        docx_template.docx = copy.deepcopy(pristine)  # about half the cost of parsing the file again
        return docx_template, analysis
    docx_template = open_template(template)
    pristine = copy.deepcopy(docx_template.docx)  # before anything reads or changes it
    analysis = analyse_template(docx_template, template.name, env, variables)
    if key is not None and key == _file_key(template, variables):
        _ANALYSES.put(key, (pristine, analysis))
    return docx_template, analysis


def part_known_clean(name: str, crc: int, size: int) -> bool:
    return _CLEAN_PARTS.get((name, crc, size)) is not None


def remember_clean_part(name: str, crc: int, size: int) -> None:
    _CLEAN_PARTS.put((name, crc, size), True)


def part_known_wellformed(name: str, crc: int, size: int) -> bool:
    return _WELLFORMED_PARTS.get((name, crc, size)) is not None


def remember_wellformed_part(name: str, crc: int, size: int) -> None:
    _WELLFORMED_PARTS.put((name, crc, size), True)


def forget_everything() -> None:
    """Drop every memo (tests that count work done use it)."""
    _ANALYSES.clear()
    _CLEAN_PARTS.clear()
    _WELLFORMED_PARTS.clear()


_ZIP_END, _ZIP_CENTRAL, _ZIP_LOCAL = b"PK\x05\x06", b"PK\x01\x02", b"PK\x03\x04"
_DOS_1980_01_01 = (0, (1 << 5) | 1)  # the DOS time and date normalise_docx stamps on every entry
_FILE_MODE = 0o644 << 16


def fixed_timestamps(data: bytes, slow_way: Callable[[bytes], bytes] = normalise_docx) -> bytes:
    """The bytes ``normalise_docx`` gives for a zip python-docx wrote, without inflating and deflating
    every part again: only each entry's time stamp and file mode differ, so those fields are set in
    place. Anything but a plain zip (an archive comment, ZIP64) takes the slow way."""
    end = len(data) - 22
    if end < 0 or data[end : end + 4] != _ZIP_END:
        return slow_way(data)
    entries, _size, position = struct.unpack_from("<HII", data, end + 10)
    out = bytearray(data)
    for _ in range(entries):
        if data[position : position + 4] != _ZIP_CENTRAL:
            return slow_way(data)
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        (local,) = struct.unpack_from("<I", data, position + 42)
        if data[local : local + 4] != _ZIP_LOCAL:
            return slow_way(data)
        struct.pack_into("<HH", out, position + 12, *_DOS_1980_01_01)
        struct.pack_into("<I", out, position + 38, _FILE_MODE)
        struct.pack_into("<HH", out, local + 10, *_DOS_1980_01_01)
        position += 46 + name_length + extra_length + comment_length
    return bytes(out)
