"""Direct scanning through SANE on Linux (optional extra `python-sane`). Pages stay in memory."""

from __future__ import annotations

import logging

from app.errors import UserError

log = logging.getLogger("memberdesk.scans.sane")

try:  # optional: pip install memberdesk[sane] (needs libsane)
    import sane  # type: ignore
except ImportError:  # pragma: no cover - depends on the machine
    sane = None


def available() -> bool:
    return sane is not None


def devices() -> list[str]:
    if sane is None:
        raise UserError("scans.sane_missing")
    sane.init()
    return [d[0] for d in sane.get_devices()]


def scan_pages(device: str | None = None, *, dpi: int = 200, max_pages: int = 50) -> list:
    """Scan from the ADF (or one flatbed page). Returns PIL images."""
    if sane is None:
        raise UserError("scans.sane_missing")
    sane.init()
    names = [device] if device else [d[0] for d in sane.get_devices()]
    if not names:
        raise UserError("scans.sane_no_device")
    try:
        dev = sane.open(names[0])
    except Exception:  # noqa: BLE001 - SANE raises its own error types
        raise UserError("scans.sane_no_device") from None
    try:
        for opt, value in (("resolution", dpi), ("mode", "Gray")):
            try:
                setattr(dev, opt, value)
            except Exception:  # noqa: BLE001 - not every backend has every option
                pass
        pages = []
        try:
            for img in dev.multi_scan():
                pages.append(img)
                if len(pages) >= max_pages:
                    break
        except Exception:  # noqa: BLE001
            if not pages:
                try:
                    dev.start()
                    pages.append(dev.snap())
                except Exception:  # noqa: BLE001
                    raise UserError("scans.sane_failed") from None
        return pages
    finally:
        dev.close()
