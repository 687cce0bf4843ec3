"""Checks of Chinese typesetting on the text lines of a PDF (tests/app/pdflines.py): the line-break rules
(禁则), tokens kept whole, bracketed labels unbroken, text boxes that never overlap, text inside the paper's
printable area, sizes."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable

from tests.app.pdflines import Line

CANNOT_START = "，。、；：？！）》」』】〉”’…,;:?!)]}%"
CANNOT_END = "（《「『【〈“‘([{"
TOKEN_CHARS = r"A-Za-z0-9*+\-.:/@_%#"
TAIL = re.compile(rf"[{TOKEN_CHARS}]+$")
HEAD = re.compile(rf"^[{TOKEN_CHARS}]+")
TOKEN = re.compile(rf"[A-Za-z0-9][{TOKEN_CHARS}]*")


def source_tokens(*values: object) -> set[str]:
    """Runs of digits/Latin letters (and the marks inside them: 440301********1234, POS-2026...,
    privacy@example.com) in every string of the given objects (dataclasses, lists, dicts walked)."""
    out: set[str] = set()

    def walk(v: object) -> None:
        if isinstance(v, str):
            out.update(TOKEN.findall(v))
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            for f in dataclasses.fields(v):
                walk(getattr(v, f.name))
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        elif v is not None and not isinstance(v, (int, float, bool)):
            walk(str(v))

    for v in values:
        walk(v)
    return out


def continues(a: Line, b: Line) -> bool:
    """b is the next line of a's paragraph: same page, directly below, starting at about the same x."""
    gap = a.box[1] - b.box[3]
    return a.page == b.page and -1 < gap < 1.2 * a.size and abs(a.box[0] - b.box[0]) < 2.5 * a.size


def break_violations(lines: list[Line], tokens: Iterable[str] = ()) -> list[str]:
    """Every line start/end that breaks a rule, as readable strings (empty: all kept)."""
    joined = "\n".join(tokens)
    bad = []
    for a, b in itertools.pairwise(lines):
        if not continues(a, b):
            continue
        where = f"p{a.page} {a.text[-12:]!r} | {b.text[:12]!r}"
        if b.text[0] in CANNOT_START:
            bad.append("line starts with closing punctuation: " + where)
        if a.text[-1] in CANNOT_END:
            bad.append("line ends with opening punctuation: " + where)
        tail, head = TAIL.search(a.text), HEAD.search(b.text)
        if tail and head and (tail[0] + head[0]) in joined:
            bad.append("number or word split: " + where)
        if a.text.rfind("【") > a.text.rfind("】"):
            bad.append("bracketed label split: " + where)
    return bad


def overlaps(lines: list[Line]) -> list[str]:
    out = []
    by_page: dict[int, list[Line]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    for page_lines in by_page.values():
        for i, a in enumerate(page_lines):
            for b in page_lines[i + 1 :]:
                if a.overlaps(b, tol=0.6):
                    out.append(f"p{a.page} {a.text[:20]!r} overlaps {b.text[:20]!r}")
    return out


def outside(lines: list[Line], sizes: list[tuple[float, float]], edge: float) -> list[str]:
    """Lines closer than `edge` points to an edge of their page."""
    out = []
    for line in lines:
        w, h = sizes[line.page - 1]
        left, bottom, right, top = line.box
        if left < edge or bottom < edge or right > w - edge or top > h - edge:
            out.append(f"p{line.page} {line.text[:30]!r} at {[round(v) for v in line.box]}")
    return out
