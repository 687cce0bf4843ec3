"""Reading POS export files (issue #17): one bad line is that line's problem, never the file's.

Files are read as bytes and decoded one physical line at a time, so an encoding error names its real line;
a physical line over MAX_LINE_BYTES is skipped without being held in memory. CSV records go through
`csv.reader`, fed line by line: a record that fails (a field over the csv module's limit, a quote never closed,
anything the parser raises) is rejected at its first line and the lines after that first line are read again,
so a stray quote costs one line, not the rest of the file. JSON Lines: a line that does not parse (bad JSON,
nesting too deep, a number too long) is a rejected line. Rows come out as (line, {canon: value}, (names, values));
a rejected line as (line, None, reason key).
"""

from __future__ import annotations

import codecs
import csv
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

from app.errors import UserError

MAX_LINE_BYTES = 1 << 20  # one physical line; longer lines are rejected ("too_long") and skipped
MAX_RECORD_CHARS = 100_000  # one CSV record (below the csv module's 131,072-character field limit)
MAX_RECORD_LINES = 200  # a quoted field spanning more lines than this is a quote never closed


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a multi-byte character cut at the sample's end
            return "utf-8"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise UserError("pos.encoding_unknown", line=head[: exc.start].count(b"\n") + 1) from None


# (line number, text or None, problem or None)
LineItem = tuple[int, Any, str | None]  # the text is None exactly when there is a problem


class Lines:
    """The physical lines of a binary file as (line number, text or None, problem or None). A line that does not
    decode raises pos.encoding_unknown when the encoding was only guessed as UTF-8 (the importer then continues
    as GB18030 from its checkpoint); otherwise it is that line's problem ("encoding")."""

    def __init__(self, fh: BinaryIO, encoding: str) -> None:
        self.fh = fh
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.strict = encoding == "utf-8"
        self.n = 0
        self.back: deque = deque()

    def push_back(self, items: Iterable[LineItem]) -> None:
        self.back.extendleft(reversed(list(items)))

    def next(self) -> LineItem | None:
        if self.back:
            return self.back.popleft()
        raw = self.fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return None
        self.n += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:  # skip the rest of the line, a block at a time
                more = self.fh.readline(MAX_LINE_BYTES)
                if not more or more.endswith(b"\n"):
                    break
            return self.n, None, "too_long"
        if self.n == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            return self.n, raw.decode(self.encoding), None
        except UnicodeDecodeError:
            if self.strict:
                raise UserError("pos.encoding_unknown", line=self.n) from None
            return self.n, None, "encoding"


class _Abort(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Feed:
    """What csv.reader pulls: the lines of the current record, kept so that a bad record can be cut back to its
    first line and the lines after it read again."""

    def __init__(self, lines: Lines):
        self.lines = lines
        self.record: list = []
        self.chars = 0
        self.eof = False

    def start(self) -> None:
        self.record, self.chars, self.eof = [], 0, False

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        item = self.lines.next()
        if item is None:
            self.eof = True
            raise StopIteration
        _no, text, problem = item
        if problem:
            if self.record:  # inside a quoted field: the open quote is the problem
                self.lines.push_back([item])
                raise _Abort("quote")
            self.record.append(item)
            raise _Abort(problem)
        self.record.append(item)
        self.chars += len(text)
        if len(self.record) > 1 and (self.chars > MAX_RECORD_CHARS or len(self.record) > MAX_RECORD_LINES):
            raise _Abort("quote")
        if self.chars > MAX_RECORD_CHARS:
            raise _Abort("too_long")
        return text


def csv_records(lines: Lines) -> Iterator[tuple[int, Any]]:
    """Yield (first line number, row) for each record, or (line number, reason key) for a rejected one."""
    feed = _Feed(lines)
    reader = csv.reader(feed)
    while True:
        feed.start()
        try:
            row = next(reader)
        except StopIteration:
            return
        except UserError:
            raise
        except _Abort as exc:
            reason = exc.reason
            row = None
        except Exception:  # noqa: BLE001 - csv.Error and whatever else: this record's problem
            reason = "unreadable"
            row = None
        if not feed.record:
            return
        first = feed.record[0][0]
        if row is not None and feed.eof:
            # the parser asked past the last line: a quote opened in this record was never closed
            reason, row = "quote", None
        if row is None:
            lines.push_back(feed.record[1:])
            yield first, reason
        else:
            yield first, row


def canon_name(name: object) -> str:
    return str(name).strip().lstrip("\ufeff").lower().replace(" ", "")


def iter_csv(
    fh: BinaryIO, encoding: str, lookup: dict, canon_header: Callable[[list[str]], dict]
) -> Iterator[tuple[int, dict | None, Any]]:
    """Yield (line_no, {canon: value}, (all column names, all values)), (line_no, None, (names, values)) for a
    row with the wrong number of columns, or (line_no, None, reason) for a line that could not be read. Line
    numbers are physical lines (the header is line 1; a record spanning lines is numbered by its first)."""
    records = csv_records(Lines(fh, encoding))
    header = None
    for first, row in records:
        if isinstance(row, str):
            if row == "encoding":
                raise UserError("pos.encoding_unknown", line=first)
            raise UserError("pos.columns_missing", columns="txn_id, member_no, time, amount")
        if row and any(c.strip() for c in row):
            header = row
            break
    if header is None:
        raise UserError("pos.empty")
    mapping = canon_header(header)
    width = len(header)
    names = [lookup.get(canon_name(h), f"column {i + 1}") for i, h in enumerate(header)]
    for line, row in records:
        if isinstance(row, str):
            yield line, None, row
            continue
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != width:
            yield line, None, (names, row)
            continue
        yield line, {c: row[i] for c, i in mapping.items()}, (names, row)


def json_lines(fh: BinaryIO, encoding: str) -> Iterator[tuple[int, Any, str | None, Any]]:
    """Yield (line_no, parsed object or None, problem or None, text) for each non-blank physical line."""
    lines = Lines(fh, encoding)
    while True:
        item = lines.next()
        if item is None:
            return
        n, text, problem = item
        if problem:
            yield n, None, problem, ""
            continue
        if not text.strip():
            continue
        try:
            yield n, json.loads(text.lstrip("\ufeff")), None, text
        except Exception:  # noqa: BLE001 - bad JSON, too deep, a number too long: this line only
            yield n, None, "unreadable", text


def load_json(data: bytes, encoding: str) -> Any:
    """A whole JSON document; every failure is a UserError naming the line where it can."""
    enc = "utf-8" if encoding == "utf-8-sig" else encoding
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise UserError("pos.encoding_unknown", line=data[: exc.start].count(b"\n") + 1) from None
    try:
        return json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise UserError("pos.json_invalid", line=exc.lineno) from None
    except (ValueError, RecursionError, MemoryError):
        # nesting too deep or a number with thousands of digits: no line to name
        raise UserError("pos.json_unparsable") from None
