"""Every write of keyslots.json in app/ is staged, or listed here with the reason it need not be (issue #17).

A key-slot change that a DB transaction records must go through app.staff.slotchange (stage, commit with a
marker, finish; reconciled at every open), or a kill between the two files leaves a password that opens the
store with nothing in the audit log for it, or a slot that holds the field key while the DB says clerk. The AST
of app/**/*.py is walked for every `.save` (called or not) and every `set_staff_slot` call: a new one fails
here until it goes through slotchange or is listed with its reason, and a listed one that went away fails too,
so the list stays true.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
STAGED = "staff/slotchange.py"  # the staged mechanism itself: stage, finish, undo, reconcile

# (file under app/, enclosing function, receiver) -> why this save is not a staged key-slot change
LISTED_SAVES = {
    ("access/vault.py", "setup", "slots"): "first set-up: no store yet; a failure removes the DB and the key file",
    ("access/vault.py", "_after_open", "slots"): (
        "after a reconcile: a format-1 file's upgrade or the opening slot's own `pub` put back; no key changes hands"
    ),
    ("access/fieldkeys.py", "_create", "slots"): (
        "a pre-#14 store's field key pair is wrapped before its public half commits; a kill leaves wraps of an "
        "unused pair, replaced at the next manager sign-in"
    ),
    ("access/fieldkeys.py", "after_sign_in", "slots"): "the signing-in slot's own `pub` put back and vouched for",
    ("access/fieldkeys.py", "open_private_key", "slots"): (
        "complete_field_wraps follows the roles already committed in the DB (read first), so the file never gets "
        "ahead of the DB; a kill before its audit entry leaves the wraps the DB allows"
    ),
    (
        "access/rekey.py",
        "begin_rekey",
        "new_slots",
    ): "rekey's own staged file keyslots.json.new, swapped under its marker",
    ("scans/pages.py", "encode", "img"): "a PIL image, not the key file",
    ("scans/sensitive.py", "_encode_like", "img"): "a PIL image, not the key file",
    ("printing/layout.py", "save", "super()"): "reportlab's canvas, not the key file",
}
# set_staff_slot without pending=True writes a slot that is active at once: only where nothing is recorded
LISTED_ACTIVE_SLOTS = {
    ("access/vault.py", "setup"): "first set-up (the first manager's slot)",
    ("access/rekey.py", "begin_rekey"): "rekey's staged file (the acting manager's slot under the new key)",
}


class _Sites(ast.NodeVisitor):
    """(function, receiver) of every `.save` and function of every active-slot set_staff_slot in one file,
    by the innermost enclosing function (`<module>` outside any)."""

    def __init__(self) -> None:
        self.where = ["<module>"]
        self.saves: list[tuple[str, str]] = []
        self.active: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:  # noqa: N802
        self.where.append(node.name)
        self.generic_visit(node)
        self.where.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_Attribute(self, node: ast.Attribute) -> None:  # noqa: N802
        if node.attr == "save":
            self.saves.append((self.where[-1], ast.unparse(node.value)))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        if isinstance(node.func, ast.Attribute) and node.func.attr == "set_staff_slot":
            pending = [k.value for k in node.keywords if k.arg == "pending"]
            if not (pending and isinstance(pending[0], ast.Constant) and pending[0].value is True):
                self.active.append(self.where[-1])
        self.generic_visit(node)


def _calls() -> tuple[set[tuple[str, str, str]], set[tuple[str, str]]]:
    """(file, function, receiver) of every `.save` and (file, function) of every active-slot set_staff_slot."""
    saves: set[tuple[str, str, str]] = set()
    active: set[tuple[str, str]] = set()
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(APP).as_posix()
        sites = _Sites()
        sites.visit(ast.parse(path.read_text("utf-8")))
        saves |= {(rel, fn, recv) for fn, recv in sites.saves}
        active |= {(rel, fn) for fn in sites.active}
    return saves, active


def test_every_key_slot_save_is_staged_or_listed_with_its_reason():
    saves, active = _calls()
    assert saves, "the walk found no save at all: it is broken"
    unlisted = sorted(k for k in saves if k[0] != STAGED and k not in LISTED_SAVES)
    assert unlisted == [], (
        f"stage these through app.staff.slotchange or list them with a reason: {unlisted}"
    )  # rule: SEC-2
    assert not [k for k in saves if k[0] == "staff/service.py"]  # staff changes never save the file themselves
    assert sorted(set(LISTED_SAVES) - set(saves)) == []  # a listed site that went away: take it off the list
    assert any(k[0] == STAGED for k in saves)
    # a slot that opens at once is written only where no DB change has to account for it
    assert sorted(set(active) - set(LISTED_ACTIVE_SLOTS)) == []  # rule: SEC-2
    assert sorted(set(LISTED_ACTIVE_SLOTS) - set(active)) == []
