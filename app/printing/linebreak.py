"""Chinese line breaking (禁则) for every printed document.

reportlab's CJK wrap (`wordWrap="CJK"`) cuts "like a knife" between any two glyphs and hangs at most one
closing mark into the margin: a line could begin with "。" after a hung "）", end with "【" or "（", and split
440301********1234 or 【信息类型】 across lines. `break_lines` instead breaks only where Chinese typesetting
allows it:

- never before closing punctuation (，。、；：？！）》」』】… and their ASCII kin),
- never after opening punctuation (（《「『【 …),
- never inside a run of Latin letters, digits and the marks between them (a number, an ID mask, an e-mail
  address, a word): such a run breaks only at a space, unless it is longer than the line itself,
- never inside a short bracketed label (【信息类型】), nor between the two halves of —— or ……,

and pushes the last allowed piece to the next line (no hanging punctuation: the text stays inside its
box). `install()` makes reportlab's paragraphs use it (both its single-fragment and its multi-fragment path).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import paragraph as P

CANNOT_START = frozenset(
    "，。、；：？！）》」』】〉〕〗〙〛”’…‥·・ー〜～％‰℃々〻ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ,.;:?!)]}%"
)
CANNOT_END = frozenset("（《「『【〈〔〖〘〚“‘([{￥$£¥#")
PAIRED = frozenset("—…")  # ―― and …… stay together
LABEL_OPEN, LABEL_CLOSE = "【", "】"
LABEL_MAX = 12  # a bracketed label this long (brackets included) or shorter is never broken
_FUZZ = 1e-6


def _is_space(c: str) -> bool:
    return c.isspace() or c == "\u3000"


def _is_token(c: str) -> bool:
    """Latin letters, digits and the marks inside such runs (not CJK, not a space, not an opening bracket)."""
    return bool(c) and not _is_space(c) and ord(c) < 0x2E80 and c not in "(["


def _punct_ok(text: Sequence[str], i: int) -> bool:
    return text[i] not in CANNOT_START and text[i - 1] not in CANNOT_END and not _is_space(text[i])


def allowed_breaks(text: Sequence[str]) -> list[bool]:
    """ok[i]: a line may start at glyph i (i.e. break between i-1 and i). ok[0] is True."""
    n = len(text)
    ok = [True] * (n + 1)
    for i in range(1, n):
        a, b = text[i - 1], text[i]
        if _is_space(b):
            ok[i] = False  # break after the space instead: it stays at the end of the line
        elif b in CANNOT_START or a in CANNOT_END or (_is_token(a) and _is_token(b)) or (a == b and a in PAIRED):
            ok[i] = False
    # short bracketed labels stay whole
    i = 0
    while i < n:
        if text[i] == LABEL_OPEN:
            j = i + 1
            while j < n and j - i < LABEL_MAX and text[j] != LABEL_CLOSE:
                j += 1
            if j < n and text[j] == LABEL_CLOSE:
                for k in range(i + 1, j + 1):
                    ok[k] = False
                i = j
        i += 1
    return ok


def break_lines(
    text: Sequence[str], widths: Sequence[float], max_widths: Sequence[float], hard: Sequence[bool] | None = None
) -> list[tuple[int, int, float]]:
    """Split glyphs into lines: [(start, end, width used)], end exclusive; spaces at a line's end are not
    counted in its width and a line never starts with a space. `hard[i]`: glyph i ends its line (<br/>).
    A piece that fits no line is cut where it overflows (a hash longer than the receipt is wide)."""
    n = len(text)
    ok = allowed_breaks(text)
    lines: list[tuple[int, int, float]] = []
    start = 0

    def width_of(a: int, b: int) -> float:
        while b > a and _is_space(text[b - 1]):
            b -= 1
        return sum(widths[a:b])

    while start < n:
        max_w = max_widths[min(len(lines), len(max_widths) - 1)]
        used = 0.0
        i = start
        end = None
        while i < n:
            used += widths[i]
            if hard is not None and hard[i]:
                end = i + 1
                break
            if used > max_w + _FUZZ and not _is_space(text[i]) and i > start:
                # glyph i does not fit: the line ends at the last allowed break after `start`; in a piece wider
                # than the line (a long hash, a label on a narrow strip) at least at no closing/opening mark
                cut = next((k for k in range(i, start, -1) if ok[k]), None)
                if cut is None:
                    cut = next((k for k in range(i, start, -1) if _punct_ok(text, k)), i)
                end = cut
                break
            i += 1
        if end is None:
            end = n
        lines.append((start, end, width_of(start, end)))
        start = end
        while start < n and _is_space(text[start]) and not (hard is not None and hard[start]):
            start += 1
    return lines


def _word_split(
    word: str, max_widths: Any, font_name: str, font_size: float, encoding: str = "utf8"
) -> list[list[Any]]:
    """reportlab.lib.textsplit.wordSplit's contract: [[extra space, line text], ...] (single-fragment paragraphs)."""
    if isinstance(word, bytes):
        word = word.decode(encoding)
    if not isinstance(max_widths, (list, tuple)):
        max_widths = [max_widths]
    widths = [stringWidth(c, font_name, font_size) for c in word]
    out = []
    for n, (a, b, used) in enumerate(break_lines(word, widths, max_widths)):
        max_w = max_widths[min(n, len(max_widths) - 1)]
        out.append([max_w - used, word[a:b].rstrip()])
    return out


def _cjk_frag_split(frags: Any, max_widths: Any, calc_bounds: Any, encoding: str = "utf8") -> Any:
    """reportlab.platypus.paragraph.cjkFragSplit's contract (multi-fragment paragraphs: fonts, colours, <br/>)."""
    glyphs: list[Any] = []
    for f in frags:
        text = f.text
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if text:
            glyphs.extend(P.cjkU(t, f, encoding) for t in text)
        else:
            glyphs.append(P.cjkU(text, f, encoding))
    if not isinstance(max_widths, (list, tuple)):
        max_widths = [max_widths]
    widths = []
    for u in glyphs:
        w = u.width
        if hasattr(w, "normalizedValue"):
            w._normalizer = max_widths[0]
            w = w.normalizedValue(max_widths[0])
        widths.append(w)
    hard = [hasattr(u.frag, "lineBreak") for u in glyphs]
    chars = [str(u) or "\n" for u in glyphs]
    lines = []
    for n, (a, b, used) in enumerate(break_lines(chars, widths, max_widths, hard)):
        max_w = max_widths[min(n, len(max_widths) - 1)]
        while b > a + 1 and _is_space(chars[b - 1]) and not hard[b - 1]:
            b -= 1  # trailing spaces drawn nowhere: alignment (centre, right) ignores them
        line_break = hard[b - 1] if b > a else False
        lines.append(P.makeCJKParaLine(glyphs[a:b], max_w, used, max_w - used, line_break, calc_bounds))
    return P.ParaLines(kind=1, lines=lines)


_installed: list[Callable[..., Any]] = []


def install() -> None:
    """Make reportlab's paragraphs with wordWrap="CJK" break lines with `break_lines` (idempotent)."""
    if _installed:
        return
    P.wordSplit = _word_split
    P.cjkFragSplit = _cjk_frag_split
    _installed.extend([_word_split, _cjk_frag_split])
