"""ui/ renders and calls services (docs/architecture.md, "UI shell"): no SQL in ui/, no wall clock (the
session's clock decides dates), no dialog classes defined in page modules, no scaffolding guards. Reads the
source (no Qt import), so it runs with the core tests."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "ui"
DB_METHODS = {"execute", "executemany", "executescript", "one", "all", "scalar"}
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|PRAGMA|CREATE|DROP|ALTER|WITH)\b", re.I)
SQL_ANYWHERE = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.I | re.S)
WALL_CLOCK = re.compile(
    r"\b(datetime|date)\s*\.\s*(now|today|utcnow)\s*\(|\bQDate(Time)?\s*\.\s*current(Date|DateTime)\("
)
DIALOG_BASES = {"QDialog", "QWizard", "QMessageBox", "QInputDialog", "QFileDialog"}
# the scaffolding the architecture issue removed; sane_source's guard is real (python-sane is optional)
NO_IMPORT_GUARDS = ["ui", "app/cli.py", "app/selftest.py", "app/originals", "app/retention", "app/sync/feeds.py"]


def _strings(node: ast.AST) -> list[str]:
    """The literal text of a string argument: a constant, an f-string's constant parts, "a" "b" + "c"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))]
    if isinstance(node, ast.BinOp):
        return ["".join(_strings(node.left) + _strings(node.right))]
    return []


def sql_calls(source: str) -> list[str]:
    """SQL text passed to execute/one/all/scalar, or any string literal that reads as a statement."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DB_METHODS:
            for arg in node.args[:1]:
                found += [f"{node.func.attr}({s[:40]!r})" for s in _strings(arg) if SQL.search(s)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_ANYWHERE.search(node.value):
            found.append(repr(node.value[:40]))
    return found


def wall_clock_calls(source: str) -> list[str]:
    return [m.group(0) for m in WALL_CLOCK.finditer(source)]


def dialog_classes(source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
            if bases & DIALOG_BASES or node.name.endswith("Dialog"):
                out.append(node.name)
    return out


def import_guards(source: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ExceptHandler)
        and node.type is not None
        and re.search(r"\b(ImportError|ModuleNotFoundError)\b", ast.unparse(node.type))
    ]


def _files(*parts: str):
    for part in parts:
        path = ROOT / part
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def test_the_checks_catch_what_they_name():
    assert sql_calls('db.one("SELECT 1 FROM members WHERE id = ?", (x,))')
    assert sql_calls('db.all(f"SELECT id FROM {t}")') and sql_calls('db.scalar("select count(*)" " FROM x")')
    assert sql_calls('q = "UPDATE members SET name = ?"')
    assert not sql_calls('label.setText("Select a member")') and not sql_calls("rows.all()")
    assert wall_clock_calls("dt.datetime.now(dt.timezone.utc)") and wall_clock_calls("date.today()")
    assert wall_clock_calls("QDateTime.currentDateTime()") and not wall_clock_calls("session.clock.now()")
    assert dialog_classes("class LegalHoldDialog(QDialog):\n    pass") == ["LegalHoldDialog"]
    assert import_guards("try:\n    import x\nexcept ImportError:\n    pass")


def test_no_sql_in_ui():
    found = {str(p.relative_to(ROOT)): hits for p in _files("ui") if (hits := sql_calls(p.read_text("utf-8")))}
    assert found == {}, "move these statements into an app/ service or queries module"


def test_no_wall_clock_in_ui():
    found = {str(p.relative_to(ROOT)): hits for p in _files("ui") if (hits := wall_clock_calls(p.read_text("utf-8")))}
    assert found == {}, "use session.clock (tests move it; a store PC's clock can be wrong)"


def test_no_dialog_defined_in_a_page_module():
    found = {p.name: hits for p in _files("ui/pages") if (hits := dialog_classes(p.read_text("utf-8")))}
    assert found == {}, "dialogs live in ui/dialogs/<what_it_does>_dialog.py"


def test_no_import_guards_around_modules_that_are_always_there():
    found = {
        str(p.relative_to(ROOT)): lines
        for p in _files(*NO_IMPORT_GUARDS)
        if (lines := import_guards(p.read_text("utf-8")))
    }
    assert found == {}


def test_pages_do_not_look_up_the_main_window_by_name():
    found = [
        str(p.relative_to(ROOT))
        for p in _files("ui/pages", "ui/widgets", "ui/dialogs")
        if re.search(
            r"(getattr|hasattr)\(\s*(self\.)?window\(\)|\bself\.window\(\)\.\w+\(|= self\.window\(\)",
            p.read_text("utf-8"),
        )
    ]
    assert found == [], "use a signal of ctx (e.g. ctx.open_page_requested) or a direct reference"
