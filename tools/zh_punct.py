"""Full-width punctuation in Chinese text: ASCII , ; : ? ! right after a Chinese character become
，；：？！, and (…) right after a Chinese character, or holding Chinese right after a Latin word in
Chinese text ("改用 STSong-Light(不嵌入)"), becomes （…）; in ui/ and app/ sources and resources/notices.
A UI string fixed here changes its .ts source: run `tools/i18n.py update` afterwards.

    .venv/bin/python tools/zh_punct.py [--check]      (--check: list offenders, exit 1 if any)
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
    files += list((ROOT / "resources" / "notices").glob("*zh_CN*.json"))
    return [f for f in files if "__pycache__" not in f.parts]


def fix_text(text: str) -> str:
    text = PARENS.sub(lambda m: "（" + m.group(1) + "）", text)
    text = WORD_PARENS.sub(lambda m: m.group(1) + "（" + m.group(2) + "）", text)
    return PATTERN.sub(lambda m: m.group(1) + MAP[m.group(2)], text)


def main() -> int:
    check = "--check" in sys.argv
    bad = []
    for f in targets():
        text = f.read_text("utf-8")
        new = fix_text(text)
        if new != text:
            bad.append(f.relative_to(ROOT))
            if not check:
                f.write_text(new, "utf-8")
    for f in bad:
        print(f)
    return 1 if (check and bad) else 0


if __name__ == "__main__":
    sys.exit(main())
