"""README and docs stand on their own in a clone: every link and relative path they name is inside the
repository and exists; docs/rules.md lists every rule with the tests that prove it, up to date."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
UPWARD = re.compile(r"(?<![\w.])(\.\./[\w./-]+)")


def _targets(doc: Path):
    text = doc.read_text("utf-8")
    for n, line in enumerate(text.splitlines(), 1):
        for m in LINK.finditer(line):
            target = m.group(1).split("#", 1)[0]
            if target and not re.match(r"[a-z]+:", target):  # http:, https:, mailto:
                yield n, target
        for m in UPWARD.finditer(line):  # `../shared/x.md` in text or code
            yield n, m.group(1)


def test_readme_and_docs_link_nothing_outside_the_repository():
    outside, missing = [], []
    for doc in DOCS:
        for n, target in _targets(doc):
            path = (doc.parent / target).resolve()
            where = f"{doc.relative_to(ROOT)}:{n}: {target}"
            if ROOT.resolve() not in path.parents and path != ROOT.resolve():
                outside.append(where)
            elif not path.exists():
                missing.append(where)
    assert outside == []
    assert missing == []


def test_readme_points_at_the_rules_page():
    assert "(docs/rules.md)" in (ROOT / "README.md").read_text("utf-8")


def test_rules_page_lists_every_cited_rule_and_is_up_to_date():
    sys.path.insert(0, str(ROOT / "tools"))
    from rules_doc import proofs

    text = (ROOT / "docs" / "rules.md").read_text("utf-8")
    documented = set(re.findall(r"^- \*\*([A-Z]{3}-\d+)\*\*", text, re.M))
    assert set(proofs()) <= documented  # no test cites a rule the page does not explain
    assert "**no test yet**" not in text
    r = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "rules_doc.py"), "--check"], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout
