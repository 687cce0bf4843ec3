"""Translations: the UI source strings are Simplified Chinese; English lives in resources/i18n/memberdesk_en.ts.

    .venv/bin/python tools/i18n.py update     # pyside6-lupdate over ui/**/*.py into the .ts (keeps translations)
    .venv/bin/python tools/i18n.py check      # report untranslated entries, CJK in English, strings not in the .ts
    .venv/bin/python tools/i18n.py apply F    # fill translations from a JSON file {"context": {"source": "English"}}
    .venv/bin/python tools/i18n.py release    # build the .qm (./run.sh and the bundle build do this too)
    .venv/bin/python tools/i18n.py todo > todo.json   # untranslated entries as an `apply` file, with the
                                                      # English of the same text in another context filled in

Page titles are registered as data (PageSpec("key", "标题", ...)) and translated in the "nav" context;
lupdate cannot see them (nor self.tr() inside an f-string), so `update` feeds every string the scanner
finds to lupdate as QT_TRANSLATE_NOOP("context", "text") lines.
The scanner (`source_strings`) is also what tests/app/test_i18n.py uses to prove every string is in the .ts.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "ui"
TS = ROOT / "resources" / "i18n" / "memberdesk_en.ts"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
NAV = "nav"


@dataclass(frozen=True)
class Found:
    context: str
    source: str
    where: str  # file:line


@dataclass
class Entry:
    context: str
    source: str
    translation: str
    kind: str  # "" (finished), "unfinished", "vanished", "obsolete"


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else (shutil.which(name) or name)


# -- what the code asks to translate -------------------------------------------------------------
class _Scanner(ast.NodeVisitor):
    def __init__(self, rel: str):
        self.rel = rel
        self.classes: list[str] = []
        self.found: list[Found] = []
        self.problems: list[str] = []

    def visit_ClassDef(self, node):
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def _literal(self, node) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return None

    def visit_Call(self, node):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        where = f"{self.rel}:{node.lineno}"
        if name == "tr" and isinstance(f, ast.Attribute) and node.args:
            text = self._literal(node.args[0])
            receiver = f.value.id if isinstance(f.value, ast.Name) else ""
            if text is None:
                if isinstance(node.args[0], ast.JoinedStr):
                    self.problems.append(f"{where}: self.tr() of an f-string cannot be translated")
            elif receiver not in ("self", "cls"):
                # Qt looks the text up under the runtime class of the receiver, which no tool can know
                self.problems.append(
                    f"{where}: {receiver or '…'}.tr({text!r}) is looked up under the runtime class "
                    f"of '{receiver or '…'}': use self.tr() in that class or "
                    f"QCoreApplication.translate('Context', …)"
                )
            elif self.classes:
                self.found.append(Found(self.classes[-1], text, where))
        elif name in ("translate", "QT_TRANSLATE_NOOP") and len(node.args) >= 2:
            ctx, text = self._literal(node.args[0]), self._literal(node.args[1])
            if ctx is not None and text is not None:
                self.found.append(Found(ctx, text, where))
            elif ctx is not None and isinstance(node.args[1], ast.JoinedStr):
                self.problems.append(f"{where}: translate() of an f-string cannot be translated")
        elif name == "PageSpec":
            title = (
                node.args[1]
                if len(node.args) >= 2
                else next((k.value for k in node.keywords if k.arg == "title"), None)
            )
            text = self._literal(title) if title is not None else None
            if text is not None:
                self.found.append(Found(NAV, text, where))
        self.generic_visit(node)


def source_strings(ui_dir: Path = UI) -> tuple[list[Found], list[str]]:
    """Every (context, source) the UI code translates, and problems (untranslatable calls)."""
    found, problems = [], []
    for path in sorted(ui_dir.rglob("*.py")):
        rel = str(path.relative_to(ui_dir.parent))
        try:
            tree = ast.parse(path.read_text("utf-8"), filename=rel)
        except SyntaxError as exc:
            problems.append(f"{rel}: cannot parse ({exc.msg})")
            continue
        sc = _Scanner(rel)
        sc.visit(tree)
        found += sc.found
        problems += sc.problems
    return found, problems


# -- the .ts file ---------------------------------------------------------------------------------
def read_ts(path: Path = TS) -> list[Entry]:
    if not path.exists():
        return []
    root = ET.parse(path).getroot()
    out = []
    for ctx in root.iter("context"):
        cname = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            text = (tr.text or "") if tr is not None else ""
            if tr is not None and msg.get("numerus") == "yes":  # plural forms: all must be filled
                forms = [f.text or "" for f in tr.iter("numerusform")]
                text = " | ".join(forms) if forms and all(f.strip() for f in forms) else ""
            out.append(
                Entry(cname, msg.findtext("source") or "", text, tr.get("type", "") if tr is not None else "unfinished")
            )
    return out


def apply_translations(mapping: dict, path: Path = TS) -> int:
    """Write English for entries: mapping {context: {source: english}} or {"*": {source: english}}
    (any context). Marks them finished. Returns how many changed."""
    tree = ET.parse(path)
    changed = 0
    for ctx in tree.getroot().iter("context"):
        cname = ctx.findtext("name") or ""
        table = {**mapping.get("*", {}), **mapping.get(cname, {})}
        for msg in ctx.iter("message"):
            src = msg.findtext("source") or ""
            if src not in table:
                continue
            tr = msg.find("translation")
            if tr is None:
                tr = ET.SubElement(msg, "translation")
            if tr.get("type") in ("vanished", "obsolete"):
                continue
            value = table[src]
            if msg.get("numerus") == "yes":  # English: [one, other] (a single string serves both)
                forms = value if isinstance(value, list) else [value, value]
                for old in list(tr):
                    tr.remove(old)
                tr.text = None
                for form in forms:
                    ET.SubElement(tr, "numerusform").text = form
                tr.attrib.pop("type", None)
                changed += 1
            else:
                value = value[-1] if isinstance(value, list) else value
            if msg.get("numerus") == "yes":
                pass
            elif tr.text != value or tr.get("type") == "unfinished":
                tr.text = value
                tr.attrib.pop("type", None)
                changed += 1
    _write(tree, path)
    return changed


def _write(tree: ET.ElementTree, path: Path) -> None:
    ET.indent(tree, space="    ")
    body = ET.tostring(tree.getroot(), encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", "utf-8")


def update(path: Path = TS) -> None:
    """Run pyside6-lupdate over ui/**/*.py (+ the page titles) into the .ts, keeping translations and
    dropping entries whose source string is gone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    found, _ = source_strings()
    # Page titles (data) and self.tr() inside f-strings are invisible to lupdate: feed every string the
    # scanner found as QT_TRANSLATE_NOOP(context, source) so the .ts holds exactly what the code asks for.
    pairs = sorted({(f.context, f.source) for f in found})
    files = [str(p) for p in sorted(UI.rglob("*.py"))]
    with tempfile.TemporaryDirectory() as tmp:
        nav = Path(tmp) / "scanned_strings.py"
        nav.write_text("".join(f"QT_TRANSLATE_NOOP({c!r}, {t!r})\n" for c, t in pairs), "utf-8")
        files.append(str(nav))
        if not path.exists():
            path.write_text(
                '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
                '<TS version="2.1" language="en_GB" sourcelanguage="zh_CN"></TS>\n',
                "utf-8",
            )
        subprocess.run(
            [
                _tool("pyside6-lupdate"),
                "-silent",
                "-no-obsolete",
                "-locations",
                "none",
                "-source-language",
                "zh_CN",
                "-target-language",
                "en_GB",
                *files,
                "-ts",
                str(path),
            ],
            check=True,
            cwd=ROOT,
        )


def release(path: Path = TS) -> Path:
    qm = path.with_suffix(".qm")
    subprocess.run([_tool("pyside6-lrelease"), "-silent", str(path), "-qm", str(qm)], check=True)
    return qm


def check(path: Path = TS) -> list[str]:
    """Everything wrong with the translation, one line each (empty = complete)."""
    entries = [e for e in read_ts(path) if e.kind not in ("vanished", "obsolete")]
    have = {(e.context, e.source) for e in entries}
    out = []
    for e in entries:
        if e.kind == "unfinished" or not e.translation.strip():
            out.append(f"untranslated: [{e.context}] {e.source}")
        elif CJK.search(e.translation):
            out.append(f"Chinese left in English: [{e.context}] {e.source} -> {e.translation}")
    found, problems = source_strings()
    out += problems
    for f in found:
        if (f.context, f.source) not in have:
            out.append(f"not in the .ts: [{f.context}] {f.source} ({f.where})")
    return out


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cmd = argv[0] if argv else "check"
    if cmd == "update":
        update()
        print(f"updated {TS.relative_to(ROOT)}: {len(read_ts())} entries")
        problems = check()
        print(f"{len(problems)} problem(s); run `tools/i18n.py check` for the list")
        return 0
    if cmd == "apply":
        mapping = json.loads(Path(argv[1]).read_text("utf-8"))
        print(f"{apply_translations(mapping)} translation(s) written")
        update()  # back to lupdate's own layout, so the .ts diff shows only real changes
        return 0
    if cmd == "todo":
        entries = read_ts()
        known = {e.source: e.translation for e in entries if e.kind == "" and e.translation.strip()}
        todo: dict = {}
        for e in entries:
            if e.kind == "unfinished" or not e.translation.strip():
                todo.setdefault(e.context, {})[e.source] = known.get(e.source, "")
        print(json.dumps(todo, ensure_ascii=False, indent=1))
        return 0
    if cmd == "release":
        print(release())
        return 0
    if cmd == "check":
        problems = check()
        for p in problems:
            print(p)
        print(f"{len(read_ts())} entries, {len(problems)} problem(s)")
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
