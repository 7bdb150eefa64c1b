"""Streaming access to one CSV file of a Synthea export, by column name.

Synthea's CSV files are RFC 4180 text in UTF-8 with a header row; the columns differ slightly
between Synthea versions (``FIPS`` and ``INCOME`` came late, for instance), so columns are looked
up by name (case-insensitively) and a missing optional column reads as blank. Rows are yielded as
plain tuples in the order of the wanted columns: no per-row dictionaries.
"""

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path

from prm.application.shared.imports import Rejection, SourceRef, ValueWarning

_REPLACEMENT = "\ufffd"  # what undecodable bytes become: such a row is rejected, not imported garbled
_CHUNK = 1 << 20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""What the HTTP API refuses in body text (``entrypoints/http/input_policy.py``: C0 controls but
tab and new lines): an import keeps the same rule, so that stored text, and so every answer,
holds to it."""


class SyntheaFormatError(Exception):
    """A file of the export cannot be read at all (empty, no header, a header of another layout,
    not a file); ``file`` names it, ``reason`` says what is wrong, and the message is both."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


class CsvTable:
    """A CSV file read as ``(line, values)`` rows, ``values`` in the order of ``columns``.

    ``required`` columns must be in the header (else :class:`SyntheaFormatError`); the others
    of ``columns`` may be missing and then read as ``""``. Values are stripped of surrounding
    blanks. Line numbers are 1-based with the header on line 1 (a row spanning several lines
    gets the line it starts on).
    """

    def __init__(self, path: Path, columns: Sequence[str], *, required: Iterable[str]) -> None:
        self.path = path
        self.name = path.name
        self.columns = tuple(columns)
        header = _read_header(path)
        positions = {title.strip().upper(): i for i, title in reversed(list(enumerate(header)))}
        required = tuple(required)
        missing = [c for c in required if c.upper() not in positions]
        if missing:
            raise SyntheaFormatError(self.name, _layout_problem(header, positions, self.columns, required, missing))
        self.width = len(header)
        self.present = frozenset(c for c in self.columns if c.upper() in positions)
        # A missing column points one past the end, where each row gets an extra "".
        self._getter = itemgetter(*(positions.get(c.upper(), self.width) for c in self.columns))
        self._single = len(self.columns) == 1

    def rows(self) -> Iterator[tuple[int, tuple[str, ...]] | Rejection | ValueWarning]:
        """Each data row, or a :class:`Rejection` for a row that cannot be split into the header's
        columns or holds bytes that are not UTF-8. Blank lines are skipped. Control characters
        (C0 but tab and new lines) are removed from a value, with a :class:`ValueWarning` naming its column,
        yielded just before the row."""
        width = self.width
        getter = self._getter
        damaged: set[int] = set()
        with self.path.open(encoding="utf-8-sig", errors="replace", newline="") as file:
            reader = csv.reader(_watch(file, damaged))
            next(reader, None)
            start = reader.line_num + 1
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:  # e.g. a field over csv.field_size_limit(): skip that row
                    line, start = start, reader.line_num + 1
                    yield Rejection(SourceRef(self.name, line), None, f"the row is not CSV ({exc})")
                    continue
                line, start = start, reader.line_num + 1
                if not row:
                    continue
                if damaged and any(n in damaged for n in range(line, start)):
                    yield Rejection(SourceRef(self.name, line), None, "the row is not valid UTF-8 text")
                    continue
                if len(row) != width:
                    yield Rejection(
                        SourceRef(self.name, line), None, f"the row has {len(row)} fields where the header has {width}"
                    )
                    continue
                row.append("")
                picked = getter(row)
                if self._single:
                    picked = (picked,)
                values = tuple(map(str.strip, picked))
                if _CONTROL.search("".join(values)):
                    yield from self._controls_removed(line, values)
                    values = tuple(_CONTROL.sub("", v).strip() for v in values)
                yield line, values

    def _controls_removed(self, line: int, values: tuple[str, ...]) -> Iterator[ValueWarning]:
        for column, value in zip(self.columns, values, strict=True):
            found = _CONTROL.search(value)
            if found:
                yield ValueWarning(
                    SourceRef(self.name, line), column, f"control character U+{ord(found.group()):04X} removed"
                )


def count_rows(path: Path) -> int:
    """The number of data rows of a CSV file, counted as lines after the header (cheap: no CSV
    parsing, so a quoted field spanning lines counts twice; good enough for a progress total)."""
    lines = 0
    last = b"\n"
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def _read_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as file:
            header = next(csv.reader(file), None)
    except OSError as exc:  # a folder by that name, no permission, ...
        raise SyntheaFormatError(path.name, f"cannot be read ({exc.strerror or exc})") from exc
    except csv.Error as exc:
        raise SyntheaFormatError(path.name, f"the header is not CSV ({exc})") from exc
    if not header or not any(title.strip() for title in header):
        raise SyntheaFormatError(path.name, "the file is empty (no header row)")
    return header


def _layout_problem(
    header: Sequence[str],
    positions: dict[str, int],
    columns: Sequence[str],
    required: Sequence[str],
    missing: list[str],
) -> str:
    """Why a header is not the one expected. The header's own titles are never quoted: in a file
    without a header row they would be the first patient's name and birth date."""
    if not any(c.upper() in positions for c in columns):
        hint = ""
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            hint = " (the fields seem to be separated by something other than commas)"
        return (
            f"unknown column layout: none of the columns {', '.join(required)} in the first line "
            f"(not a Synthea file, or its header row is missing){hint}"
        )
    return f"unknown column layout: the header lacks the column(s) {', '.join(missing)}"


def _watch(lines: Iterable[str], damaged: set[int]) -> Iterator[str]:
    for number, text in enumerate(lines, start=1):
        if _REPLACEMENT in text:
            damaged.add(number)
        yield text
