"""docs/rules.md: the policy's rules with the tests that prove them. The rule texts are written in
docs/rules.md; this tool rewrites only the generated table between the markers, from the
`# rule: ID` comments in tests/ (test function names found by walking up to the enclosing `def test_`).

    .venv/bin/python tools/rules_doc.py [--check]     (--check: exit 1 if docs/rules.md is out of date)
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "rules.md"
BEGIN, END = "<!-- tests:begin (tools/rules_doc.py) -->", "<!-- tests:end -->"
RULE = re.compile(r"rule: ([A-Z]{3}-\d+)")
DEF = re.compile(r"^\s*(?:async\s+)?def (test_\w+)")


def proofs() -> dict[str, dict[str, list[str]]]:
    """{rule ID: {test file: [test names]}}"""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for f in sorted((ROOT / "tests").rglob("*.py")):
        current = None
        for line in f.read_text("utf-8").splitlines():
            m = DEF.match(line)
            if m:
                current = m.group(1)
            for rule in RULE.findall(line):
                names = found[rule][f.relative_to(ROOT).as_posix()]
                name = current or "(module level)"
                if name not in names:
                    names.append(name)
    return found


def table(doc_ids: list[str]) -> str:
    found = proofs()
    rows = ["| Rule | Tests (file: test functions) |", "|---|---|"]
    for rule in doc_ids:
        files = found.get(rule, {})
        cell = "<br>".join(f"`{f}`: " + ", ".join(f"`{n}`" for n in names) for f, names in files.items())
        rows.append(f"| {rule} | {cell or '**no test yet**'} |")
    return "\n".join(rows)


def render(text: str) -> str:
    ids = re.findall(r"^- \*\*([A-Z]{3}-\d+)\*\*", text, re.M)
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return head + BEGIN + "\n" + table(ids) + "\n" + END + tail


def main() -> int:
    text = DOC.read_text("utf-8")
    new = render(text)
    if "--check" in sys.argv:
        if new != text:
            print("docs/rules.md is out of date: run tools/rules_doc.py")
            return 1
        return 0
    DOC.write_text(new, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
