"""The core never imports Qt; the top level has what the card requires."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_app_never_imports_pyside6():
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_required_top_level():
    for name in ("pyproject.toml", "app", "ui", "resources", "tests", "packaging", "README.md"):
        assert (ROOT / name).exists(), name


def test_pyside6_pinned_below_612():
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    assert '"pyside6>=6.11.3,<6.12"' in text
