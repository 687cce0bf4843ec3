"""Language: Simplified Chinese source strings; English from resources/i18n/memberdesk_en.qm."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.config import resource_dir

_installed: list[QTranslator] = []
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}


def qm_path(lang: str) -> Path:
    return resource_dir() / "i18n" / f"memberdesk_{lang}.qm"


def ensure_qm(lang: str) -> Path | None:
    """Build the .qm from the .ts when it is missing or older (set-up does this; a source checkout too)."""
    qm = qm_path(lang)
    ts = qm.with_suffix(".ts")
    if ts.exists() and (not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime):
        import shutil
        import subprocess
        import sys

        exe = shutil.which("pyside6-lrelease") or str(Path(sys.executable).with_name("pyside6-lrelease"))
        try:
            subprocess.run([exe, str(ts), "-qm", str(qm)], check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            pass
    return qm if qm.exists() else None


def install_language(app, lang: str) -> str:
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    if lang not in LANGUAGES:
        lang = "zh_CN"
    QLocale.setDefault(
        QLocale(QLocale.Language.Chinese, QLocale.Country.China)
        if lang == "zh_CN"
        else QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    )
    qt_tr = QTranslator()
    qt_name = "qtbase_zh_CN" if lang == "zh_CN" else "qtbase_en"
    if qt_tr.load(qt_name, QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_tr)
        _installed.append(qt_tr)
    if lang != "zh_CN":
        qm = ensure_qm(lang)
        tr = QTranslator()
        if qm and tr.load(str(qm)):
            app.installTranslator(tr)
            _installed.append(tr)
    return lang


def tr(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)
