"""The POS export folder (issue #7): the setting "pos_export_folder" (empty = off), the background run that
imports the folder while someone is signed in, and what the UI shows about it. Qt-free.

    set_setting(session, "pos_export_folder", path)   # validated here: an existing folder, or "" (off)
    run = run_folder_import(session)                    # FolderRun, or None when no folder is set
    recent_imports(db), import_report(db, import_id)    # history and an ImportResult for the report dialog

The import itself is app.purchases.pos_import.import_pos_folder: files already imported are skipped, an
interrupted one resumes, the POS's files are never moved or deleted. One import runs at a time (IMPORT_LOCK):
the timer and a clerk's manual import never read the same file twice at once.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.clock import iso
from app.errors import ValidationError
from app.messages import add_messages, all_keys
from app.purchases.pos_import import ImportResult, import_pos_file, import_pos_folder
from app.purchases.records import PURCHASE_IMPORT
from app.settings import get_setting, register_validator

if TYPE_CHECKING:
    from app.staff.session import Session
    from app.storage.db import Queries

SETTING = "pos_export_folder"
INTERVAL_MINUTES = 5  # how often the main window imports the folder while someone is signed in
IMPORT_LOCK = threading.Lock()

add_messages(
    {
        "pos_folder.relative": (
            "请填写文件夹的完整路径，例如 D:\\POS\\export 或 /srv/pos/export。",
            "Enter the folder's full path, e.g. D:\\POS\\export or /srv/pos/export.",
        ),
        "pos_folder.missing": (
            "找不到这个文件夹。请检查路径是否正确；如果是网络共享文件夹，请确认已连接。",
            "This folder cannot be found. Check the path; for a network share, check that it is connected.",
        ),
        "pos_folder.not_a_folder": (
            "这是一个文件，不是文件夹。请选择收银系统存放导出文件的文件夹。",
            "This is a file, not a folder. Choose the folder the POS saves its export files in.",
        ),
        "pos_folder.no_access": (
            "MemberDesk 没有读取这个文件夹的权限。请让总部IT开放读取权限。",
            "MemberDesk is not allowed to read this folder. Ask head-office IT to grant read access.",
        ),
        "pos_folder.gone": (
            "收银系统导出文件夹目前无法访问，收银数据暂未导入。请检查文件夹或网络共享；恢复后会自动继续导入。",
            "The POS export folder cannot be reached, so no POS data was imported. Check the folder or the "
            "network share; importing resumes on its own once it is back.",
        ),
        "pos_folder.failed": (
            "收银数据导入未完成，稍后会自动再试。如问题持续，请联系总部IT。",
            "The POS data import did not finish; it will be tried again. If this persists, contact head-office IT.",
        ),
        # a file the folder import refused, in a few plain words (the manual import shows the full message)
        "pos_folder.refused.pos.encoding_unknown": (
            "文件编码无法识别（请导出为 UTF-8 或 GBK）",
            "file encoding not recognised (export as UTF-8 or GBK)",
        ),
        "pos_folder.refused.pos.columns_missing": (
            "缺少必需的列（交易号、会员号、交易时间、金额）",
            "required columns missing (transaction number, member number, time, amount)",
        ),
        "pos_folder.refused.pos.format_unknown": ("不是 CSV 或 JSON 文件", "not a CSV or JSON file"),
        "pos_folder.refused.pos.json_invalid": ("JSON 内容无法解析", "the JSON cannot be parsed"),
        "pos_folder.refused.pos.json_unparsable": (
            "JSON 内容嵌套过深或数字过长，无法解析",
            "the JSON is nested too deeply or holds a number too long",
        ),
        "pos_folder.refused.pos.file_unreadable": (
            "文件无法读取，请重新导出",
            "the file cannot be read; export it again",
        ),
        "pos_folder.refused.pos.empty": ("文件中没有交易记录", "the file holds no transactions"),
        "pos_folder.refused.pos.unreadable": (
            "文件暂时无法读取，稍后会再试",
            "the file cannot be read yet; it will be tried again",
        ),
        "pos_folder.refused.other": ("导入未完成，稍后会再试", "the import did not finish; it will be tried again"),
    }
)


def check_folder(value: object) -> str:
    """The setting's value as stored: "" (off) or the folder's absolute path. Raises ValidationError with a
    message saying what is wrong (never the path itself: it goes back to the form the person typed it in)."""
    text = str(value or "").strip().strip('"')
    if not text:
        return ""
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise ValidationError("pos_folder.relative", field=SETTING)
    if not path.exists():
        raise ValidationError("pos_folder.missing", field=SETTING)
    if not path.is_dir():
        raise ValidationError("pos_folder.not_a_folder", field=SETTING)
    if not os.access(path, os.R_OK | os.X_OK):
        raise ValidationError("pos_folder.no_access", field=SETTING)
    return str(path)


register_validator(SETTING, check_folder)


def configured_folder(db: Queries) -> str:
    return str(get_setting(db, SETTING, "") or "")


@dataclass(frozen=True)
class FileOutcome:
    name: str  # the POS's file name (no personal data: the POS names its exports)
    import_id: int | None
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    error: str | None = None  # message key of a refused file (pos.columns_missing, ...)


@dataclass
class FolderRun:
    at: str  # when the run ended (ISO, the session's clock)
    problem: str | None = None  # message key when the folder itself could not be read
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def refused(self) -> list[FileOutcome]:
        return [f for f in self.files if f.error]


def refusal_reason(key: str | None) -> str:
    """The message key for a refused file's reason in plain words."""
    specific = f"pos_folder.refused.{key}"
    return specific if specific in all_keys() else "pos_folder.refused.other"


def run_folder_import(session: Session) -> FolderRun | None:
    """Import the configured folder now (the main window runs this off the UI thread every few minutes).
    None when no folder is set (the feature is off)."""
    session.require(PURCHASE_IMPORT)

    folder = configured_folder(session.db)
    if not folder:
        return None
    if not Path(folder).is_dir():
        return FolderRun(at=iso(session.clock.now()), problem="pos_folder.gone")
    with IMPORT_LOCK:
        done = import_pos_folder(session, folder)
    files: list[FileOutcome] = []
    for name, result, error in done:
        if result is None:
            files.append(FileOutcome(name, None, error=error))
        else:
            files.append(FileOutcome(name, result.import_id, result.accepted, result.duplicates, result.rejected_count))
    return FolderRun(at=iso(session.clock.now()), files=files)


def import_file(session: Session, path: str | os.PathLike[str]) -> ImportResult:
    """One POS file imported by hand (the clerk's 导入收银数据), never at the same time as the folder run."""
    session.require(PURCHASE_IMPORT)

    with IMPORT_LOCK:
        return import_pos_file(session, path)


def recent_imports(db: Queries, limit: int = 5) -> list[dict[str, Any]]:
    """The latest imports (manual and from the folder), newest first: id, file_name, started_at, finished_at,
    accepted, duplicates, rejected. Left out: files that were refused before any line was stored (their pos_imports row
    is empty; the refusal is reported by the run that met it)."""
    return [
        dict(r)
        for r in db.all(
            "SELECT id, file_name, started_at, finished_at, line_done, accepted, duplicates, rejected FROM pos_imports"
            " WHERE finished_at IS NOT NULL OR line_done > 0 ORDER BY id DESC LIMIT ?",
            (limit,),
        )
    ]


def import_report(db: Queries, import_id: int) -> ImportResult | None:
    """An earlier import as an ImportResult, for the report dialog (rejected lines: number, reason, column)."""
    row = db.one("SELECT id, encoding, accepted, duplicates, finished_at FROM pos_imports WHERE id = ?", (import_id,))
    if row is None:
        return None
    result = ImportResult(
        import_id=row["id"], encoding=row["encoding"], accepted=row["accepted"], duplicates=row["duplicates"]
    )
    result.rejected = [
        (r["line_no"], r["reason"], r["field"])
        for r in db.all(
            "SELECT line_no, reason, field FROM pos_import_rejects WHERE import_id = ? ORDER BY line_no", (import_id,)
        )
    ]
    return result
