"""The machine-readable bundle of an evidence pack: a zip of JSON files, the PDF and a manifest with the
SHA-256 of every file. Built in memory (no temp file); `verify_bundle` re-checks a bundle's manifest."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from app.evidence.model import FORMAT, SECTION_KEYS

MANIFEST = "manifest.json"
PDF_NAME = "evidence-pack.pdf"
# A fixed time inside the zip so the same pack gives the same bytes (the pack says when it was made).
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def bundle_files(pack: dict[str, Any], pdf: bytes) -> dict[str, bytes]:
    """The files of the bundle but the manifest: pack.json (header), one JSON file per section, the PDF."""
    header = {k: v for k, v in pack.items() if k != "sections"}
    files = {"pack.json": _json(header)}
    for key in SECTION_KEYS:
        files[f"sections/{key}.json"] = _json(pack["sections"][key])
    files[PDF_NAME] = pdf
    return files


def manifest_of(files: dict[str, bytes], pack: dict[str, Any]) -> dict[str, Any]:
    entries = [
        {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for name, data in sorted(files.items())
    ]
    return {
        "format": FORMAT,
        "generated_at": pack["generated_at"],
        "period": pack["period"],
        "stores": pack["stores"],
        "files": entries,
    }


def build_bundle(pack: dict[str, Any], pdf: bytes) -> bytes:
    """The zip: every file of `bundle_files` plus manifest.json listing their SHA-256."""
    files = bundle_files(pack, pdf)
    files[MANIFEST] = _json(manifest_of(files, pack))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    return buf.getvalue()


def verify_bundle(data: bytes) -> list[str]:
    """Problems found in a bundle (empty when every file matches the manifest and none is missing or extra)."""
    problems: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        if MANIFEST not in names:
            return ["manifest missing"]
        manifest = json.loads(z.read(MANIFEST))
        listed = {e["path"]: e for e in manifest.get("files", [])}
        for name in sorted(names - {MANIFEST}):
            entry = listed.get(name)
            if entry is None:
                problems.append(f"not in manifest: {name}")
            elif hashlib.sha256(z.read(name)).hexdigest() != entry["sha256"]:
                problems.append(f"hash differs: {name}")
        problems.extend(f"missing: {name}" for name in sorted(set(listed) - names))
    return problems


def read_bundle(data: bytes) -> dict[str, Any]:
    """The pack back from a bundle (header + sections), for tests and tools."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        pack = json.loads(z.read("pack.json"))
        pack["sections"] = {k: json.loads(z.read(f"sections/{k}.json")) for k in SECTION_KEYS}
    return pack
