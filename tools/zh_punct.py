"""Full-width punctuation in Chinese text: ASCII , ; : ? ! right after a Chinese character become
，；：？！, and (…) right after a Chinese character, or holding Chinese right after a Latin word in
Chinese text ("改用 STSong-Light(不嵌入)"), becomes （…）; in ui/ and app/ sources, resources/ (notices,
translations) and, Markdown-aware, in docs/*.md and README.md (see fix_markdown).
A UI string fixed here changes its .ts source: run `tools/i18n.py update` afterwards.

    .venv/bin/python tools/zh_punct.py [--check]      (--check: list offenders as file:line, exit 1 if any)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CJK = r"[\u3400-\u9fff\u3001\u3002\uff09\u300b]"
MAP = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
PATTERN = re.compile(rf"({CJK})([,;:?!])(?![/\\=])")
# (…) right after a Chinese character, holding no quote, bracket or line break, becomes （…）
PARENS = re.compile(rf"(?<={CJK})\(([^()\n\"'{{}}<>]*?)\)")
# (…) holding Chinese right after a Latin word inside Chinese text ("已改用 STSong-Light(不嵌入),") too;
# a Latin word followed by Latin content is left alone (code in a Chinese comment: "调用 render(lang)")
_INNER = r"[^()\n\"'{}<>]"
WORD_PARENS = re.compile(rf"(?<={CJK})(\s?[A-Za-z][\w.+-]*)\s?\(({_INNER}*?{CJK}{_INNER}*?)\)")


def targets() -> list[Path]:
    files = list((ROOT / "ui").rglob("*.py")) + list((ROOT / "app").rglob("*.py"))
    files += [f for f in (ROOT / "resources").rglob("*") if f.suffix in (".json", ".ts", ".txt", ".html")]
    files += [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
    return [f for f in files if "__pycache__" not in f.parts and f.is_file()]


# , ; ? ! between a Latin word or number and Chinese ("A4,两张并排张贴"; not the colon of "scan:编号") and (…)
# holding Chinese right after a placeholder ("%1(已嵌入)"): the mark belongs to the Chinese sentence
BEFORE_ZH = re.compile(r"(?<=[A-Za-z0-9])([,;?!])(?=[\u3400-\u9fff])")
PLACEHOLDER_PARENS = re.compile(rf"(%\d|\{{\w*\}})\(({_INNER}*?{CJK}{_INNER}*?)\)")


def fix_text(text: str) -> str:
    text = PARENS.sub(lambda m: "（" + m.group(1) + "）", text)
    text = WORD_PARENS.sub(lambda m: m.group(1) + "（" + m.group(2) + "）", text)
    text = PLACEHOLDER_PARENS.sub(lambda m: m.group(1) + "（" + m.group(2) + "）", text)
    text = BEFORE_ZH.sub(lambda m: MAP[m.group(1)], text)
    return PATTERN.sub(lambda m: m.group(1) + MAP[m.group(2)], text)


# -- Markdown ---------------------------------------------------------------------------------
# Prose only: fenced code blocks, `code spans`, link targets, <autolinks/tags>, URLs and file paths
# are set aside (each becomes one private-use character, a "hole") and put back unchanged afterwards.
# Chinese context is a Chinese character or full-width punctuation or a closing Chinese quote; a
# number with a unit ("10:30", "1,000 行"), a Latin-only sentence and code stay as they are.
_ZH = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef\u201c\u201d"
_HOLE = "\ue000-\uf8ff"
_KEEP = re.compile(
    r"`+[^`\n]*?`+"  # code span
    r"|\]\([^)\s]*\)"  # link target ](…)
    r"|<[A-Za-z/!][^>\n]*>"  # <https://…>, <br>, <!-- -->
    r"|https?://[^\s)）>，。]*[^\s)）>，。,;:.!?]"  # bare URL (not its trailing comma)
    r"|[\w.~%$-]*(?:[/\\][\w.~%$*<>-]+)+/?"
)  # file path: a/b, C:\x, ~/.local
_FENCE = re.compile(r"^\s*(```|~~~)")
# , ; : ? ! after Chinese, or before Chinese (after a Latin word, a hole or a bracket): full width,
# and the spaces after it go (full-width punctuation carries its own space)
_MD_AFTER = re.compile(rf"(?<=[{_ZH}])(\*{{0,2}})([,;:?!])(?![/\\=])[ \t]*")
_MD_BETWEEN = re.compile(rf"(?<=[{_ZH}])()([,;:?!])(?=[{_ZH}])")
_MD_BEFORE = re.compile(rf"(?<=[A-Za-z0-9\]){_HOLE}'\"*])(\*{{0,2}})([,;:?!])[ \t]*(?=\*{{0,2}}[{_ZH}])")
# (…) holding Chinese, or right after Chinese or a hole: full width; the space before it goes when
# Chinese precedes ("自检 (在临时目录)" -> "自检（在临时目录）"). May span lines of one paragraph.
_MD_PARENS = re.compile(r"(?P<pre>.?)(?P<sp>[ \t]*)\((?P<in>[^()]*?)\)")


def _parens(m: re.Match, chinese: bool) -> str:
    pre, sp, inner = m["pre"], m["sp"], m["in"]
    if "\n\n" in inner:
        return m.group(0)
    zh_before = bool(pre) and re.match(f"[{_ZH}]", pre) is not None
    has_zh = re.search(f"[{_ZH}]", inner) is not None
    if not chinese:  # English text: only (中文) written right after Chinese
        ok = zh_before and not sp and re.fullmatch(f"[{_ZH}\\d]+", inner) is not None
    else:  # after Chinese or glued to code, or holding Chinese
        ok = zh_before or (re.match(f"[{_HOLE}]", pre) is not None and not sp) or has_zh
    if not ok:
        return m.group(0)
    keep_sp = sp if not pre or pre.isspace() else ""  # indentation stays, a space before （ goes
    return pre + keep_sp + "（" + inner + "）"


def _fix_prose(text: str, chinese: bool) -> str:
    holes: list[str] = []

    def hole(m: re.Match) -> str:
        holes.append(m.group(0))
        return chr(0xE000 + len(holes) - 1)

    t = _KEEP.sub(hole, text)
    after = _MD_AFTER if chinese else _MD_BETWEEN
    for _ in range(2):  # nested (…(…)…) and punctuation freed by a bracket
        t = _MD_PARENS.sub(lambda m: _parens(m, chinese), t)
        t = after.sub(lambda m: m.group(1) + MAP[m.group(2)], t)
        if chinese:
            t = _MD_BEFORE.sub(lambda m: m.group(1) + MAP[m.group(2)], t)
    return re.sub(f"[{_HOLE}]", lambda m: holes[ord(m.group(0)) - 0xE000], t)


def fix_markdown(text: str, chinese: bool = True) -> str:
    """Prose outside fenced code blocks. chinese=False (an English document): only punctuation with
    Chinese right on both sides ("交易号,单号") and (…) of Chinese right after Chinese change; an English
    sentence quoting Chinese ("the notice (告知书; a refusal …)") or listing Chinese names stays."""
    out, prose, fenced = [], [], False
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            if not fenced:
                out.append(_fix_prose("".join(prose), chinese))
                prose = []
            fenced = not fenced
            out.append(line)
        elif fenced:
            out.append(line)
        else:
            prose.append(line)
    out.append(_fix_prose("".join(prose), chinese))
    return "".join(out)


def fix_file(path: Path, text: str) -> str:
    if path.suffix == ".md":
        return fix_markdown(text, chinese=".zh_CN." in path.name)
    return fix_text(text)


def offenders(files: list[Path] | None = None) -> list[str]:
    """file:line: text for every line the fixer would change."""
    bad = []
    for f in files or targets():
        text = f.read_text("utf-8")
        new = fix_file(f, text)
        if new == text:
            continue
        old_lines, new_lines = text.splitlines(), new.splitlines()
        for n, (a, b) in enumerate(zip(old_lines, new_lines, strict=False), 1):
            if a != b:
                bad.append(f"{f.relative_to(ROOT)}:{n}: {a.strip()[:100]}")
    return bad


def main() -> int:
    check = "--check" in sys.argv
    if check:
        bad = offenders()
        print("\n".join(bad))
        return 1 if bad else 0
    for f in targets():
        text = f.read_text("utf-8")
        new = fix_file(f, text)
        if new != text:
            print(f.relative_to(ROOT))
            f.write_text(new, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
