"""The POS export folder without Qt (issue #7): the setting is validated wherever it is set, a clerk's session
runs the folder import, the run says what happened in keys (never paths or row values)."""

from __future__ import annotations

import os
import time

import pytest

from app.errors import ValidationError
from app.purchases.pos_folder import import_report, recent_imports, run_folder_import
from app.settings import get_setting, set_setting
from tests.factories import make_member


def test_the_setting_is_an_existing_folder_or_empty(manager, tmp_path):
    for value, key in ((tmp_path / "missing", "pos_folder.missing"), ("relative/dir", "pos_folder.relative")):
        with pytest.raises(ValidationError) as exc:
            set_setting(manager, "pos_export_folder", str(value))
        assert exc.value.key == key and str(tmp_path) not in exc.value.message("en")
    (tmp_path / "f.csv").write_text("x", "utf-8")
    with pytest.raises(ValidationError) as exc:
        set_setting(manager, "pos_export_folder", str(tmp_path / "f.csv"))
    assert exc.value.key == "pos_folder.not_a_folder"
    assert get_setting(manager.db, "pos_export_folder") == ""
    set_setting(manager, "pos_export_folder", str(tmp_path))
    assert get_setting(manager.db, "pos_export_folder") == str(tmp_path)
    set_setting(manager, "pos_export_folder", " ")
    assert get_setting(manager.db, "pos_export_folder") == ""


def test_a_clerk_session_imports_the_folder_once(manager, clerk, tmp_path):
    folder = tmp_path / "pos"
    folder.mkdir()
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (make_member(manager),))
    assert run_folder_import(clerk) is None  # no folder: off
    set_setting(manager, "pos_export_folder", str(folder))
    (folder / "a.csv").write_text(f"交易号,会员号,交易时间,金额\nT1,{no},2026-10-01 10:00,10\nT2,{no},x,1\n", "utf-8")
    (folder / "b.csv").write_text("a,b\n1,2\n", "utf-8")
    for f in folder.iterdir():  # as if the POS finished writing them a minute ago
        os.utime(f, (time.time() - 60, time.time() - 60))
    run = run_folder_import(clerk)
    assert [(f.name, f.accepted, f.rejected, f.error) for f in run.files] == [
        ("a.csv", 1, 1, None),
        ("b.csv", 0, 0, "pos.columns_missing"),
    ]
    assert [(r["file_name"], r["accepted"]) for r in recent_imports(manager.db)] == [
        ("a.csv", 1)
    ]  # refused file not listed
    assert (
        manager.db.scalar("SELECT file_name FROM pos_imports WHERE file_name IS NOT NULL AND file_name LIKE '%/%'")
        is None
    )
    report = import_report(manager.db, run.files[0].import_id)
    assert report.rejected == [(3, "date", "time")]
    again = run_folder_import(clerk)
    assert [f.name for f in again.files] == ["b.csv"] and again.accepted == 0  # a.csv is not read twice
    folder.rename(tmp_path / "moved")  # the share is gone
    assert run_folder_import(clerk).problem == "pos_folder.gone"
