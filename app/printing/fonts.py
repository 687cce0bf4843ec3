"""The Chinese font for printed documents.

reportlab embeds only TrueType-outline fonts. We look for one on the system (Windows SimHei /
SimSun / Microsoft YaHei, Linux WenQuanYi / AR PL), or use the configured path (setting
"font_path"); Noto/Source Han CJK (CFF outlines) cannot be embedded and are skipped. Without any,
we fall back to the CID font STSong-Light (not embedded: the printer or viewer substitutes a Song
face) and `FontChoice.fallback` is true so the UI can say so.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont  # TTFont: also used by tests from here

from app.settings import get_setting

if TYPE_CHECKING:
    from app.storage.db import Queries

log = logging.getLogger("memberdesk.printing")

FONT_NAME = "MemberDeskCJK"
FALLBACK_CID = "STSong-Light"
KNOWN_NAMES = {
    "wqy-microhei": "文泉驿微米黑",
    "wqy-zenhei": "文泉驿正黑",
    "simhei": "黑体",
    "simsun": "宋体",
    "msyh": "微软雅黑",
    "simkai": "楷体",
    "uming": "文鼎明体",
    "ukai": "文鼎楷体",
    "gbsn00lp": "文鼎简报宋",
}
# the same fonts as an English interface names them
NAMES_EN = {
    "文泉驿微米黑": "WenQuanYi Micro Hei",
    "文泉驿正黑": "WenQuanYi Zen Hei",
    "黑体": "SimHei",
    "宋体": "SimSun",
    "微软雅黑": "Microsoft YaHei",
    "楷体": "KaiTi",
    "文鼎明体": "AR PL UMing",
    "文鼎楷体": "AR PL UKai",
    "文鼎简报宋": "AR PL SungtiL GB",
}


@dataclass(frozen=True)
class FontChoice:
    name: str  # the reportlab font name to use in styles
    path: str | None  # the file embedded, None for the CID fallback
    subfont: int = 0
    fallback: bool = False  # True: no TrueType CJK font found, STSong-Light used (not embedded)
    configured_failed: bool = False  # a configured font_path was given but could not be used

    @property
    def label(self) -> str:
        """A name to show: the Chinese name of a known font, else the file name."""
        if not self.path:
            return FALLBACK_CID
        stem = Path(self.path).stem.lower()
        return KNOWN_NAMES.get(stem, Path(self.path).name)

    def label_in(self, lang: str) -> str:
        """`label` as the interface in `lang` names it (English names in the English interface)."""
        return self.label if lang == "zh_CN" else NAMES_EN.get(self.label, self.label)


def _windows_fonts_dir() -> Path:
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


def candidate_fonts() -> list[tuple[Path, int]]:
    """(path, subfont index) in order of preference for this platform."""
    win = _windows_fonts_dir()
    found = [
        (win / "simhei.ttf", 0),
        (win / "msyh.ttc", 0),
        (win / "msyh.ttf", 0),
        (win / "simsun.ttc", 0),
        (win / "simsun.ttf", 0),
        (win / "simkai.ttf", 0),
    ]
    if sys.platform == "darwin":
        found += [
            (Path("/Library/Fonts/Arial Unicode.ttf"), 0),
            (Path("/System/Library/Fonts/Supplemental/Arial Unicode.ttf"), 0),
        ]
    linux = [
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
        "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
        "/usr/share/fonts/truetype/arphic/ukai.ttc",
        "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    ]
    found += [(Path(p), 0) for p in linux]
    return found


def _is_cff(path: Path) -> bool:
    """OpenType with CFF outlines (Noto CJK .otf/.ttc): reportlab cannot embed it."""
    name = path.name.lower()
    if ("noto" in name and "cjk" in name) or "sourcehan" in name:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head == b"OTTO"


_lock = threading.Lock()
_registered: dict[tuple[str, int], str] = {}
_cache: dict[str, FontChoice] = {}


def _register_ttf(path: Path, subfont: int) -> str | None:
    key = (str(path), subfont)
    if key in _registered:
        return _registered[key]
    if _is_cff(path):
        return None
    name = FONT_NAME if not _registered else f"{FONT_NAME}{len(_registered)}"
    try:
        font = TTFont(name, str(path), subfontIndex=subfont)
        # a CJK font must cover the common ideographs we print
        if not all(ord(ch) in font.face.charToGlyph for ch in "顾客信息告知书"):
            return None
        pdfmetrics.registerFont(font)
    except (TTFError, OSError, ValueError, KeyError, AssertionError) as exc:
        log.info("font %s not usable: %s", path.name, type(exc).__name__)
        return None
    _registered[key] = name
    return name


def _register_cid() -> str:
    if FALLBACK_CID not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
    return FALLBACK_CID


def choose_font(
    configured_path: str | os.PathLike | None = None, *, candidates: list[tuple[Path, int]] | None = None
) -> FontChoice:
    """Register and return the font to use. Cached per configured path.

    `candidates` replaces the system search (tests use it to force the fallback)."""
    cache_key = f"{configured_path or ''}|{candidates!r}"
    with _lock:
        if cache_key in _cache:
            return _cache[cache_key]
        choice = None
        configured_failed = False
        if configured_path:
            p = Path(configured_path).expanduser()
            sub = 0
            if p.is_file():
                name = _register_ttf(p, sub)
                if name:
                    choice = FontChoice(name, str(p), sub)
            if choice is None:
                configured_failed = True
                log.warning("configured font_path is not a usable TrueType CJK font; searching the system")
        if choice is None:
            for path, sub in candidates if candidates is not None else candidate_fonts():
                if path.is_file():
                    name = _register_ttf(path, sub)
                    if name:
                        choice = FontChoice(name, str(path), sub, configured_failed=configured_failed)
                        break
        if choice is None:
            log.warning("no TrueType CJK font found; falling back to %s (not embedded)", FALLBACK_CID)
            choice = FontChoice(_register_cid(), None, 0, fallback=True, configured_failed=configured_failed)
        _cache[cache_key] = choice
        return choice


def font_for_db(db: Queries | None) -> FontChoice:
    """The font, honouring the setting "font_path" of the store (db may be None)."""
    configured = ""
    if db is not None:
        configured = get_setting(db, "font_path", "") or ""
    return choose_font(configured or None)
