"""Import a scan file (or scanner pages): split into forms by QR, match, encrypt, archive.

Pages are decoded, QR-read and encrypted first (outside the database lock, so the UI keeps
reading); then the batch is written in one transaction with its audit entry; any error before
or during the write leaves nothing behind, so nothing is half-imported.

A page whose QR names a new serial starts a form; pages without a QR, or with the same serial
(the printed form carries its QR on every page), belong to the form before them; pages before
the first QR form an inbox document for manual matching.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PIL import Image

import app.scans.messages  # noqa: F401
from app.clock import iso
from app.errors import UserError
from app.scans import archive, pages as P, unredacted
from app.scans.decode import read_serial
from app.scans.matching import finish_document, lookup_serial
from app.scans.redaction import locate
from app.scans.sensitive import Redactor
from app.staff import permissions as perms

if TYPE_CHECKING:
    from app.staff.session import Session, Tx
    from app.storage.fieldcrypt import FieldCipher

_T = TypeVar("_T")

log = logging.getLogger("memberdesk.scans")

SCAN_IMPORT = perms.grant("scans.import", perms.CLERK, perms.MANAGER)
SOURCES = ("file", "folder", "scanner", "drop")


@dataclass
class DocumentResult:
    document_id: str | None
    serial: str | None
    status: str  # matched | inbox | duplicate | conflict
    pages: int
    reason: str | None = None  # inbox reason
    redacted: int = 0  # pages whose sensitive boxes were blacked out before archiving


@dataclass
class ImportResult:
    batch_id: str
    kind: str
    pages: int
    documents: list[DocumentResult] = field(default_factory=list)
    held: list[tuple[int, str]] = field(default_factory=list)  # (page in the file, reason): held for a manager

    def count(self, status: str) -> int:
        return sum(1 for d in self.documents if d.status == status)


def read_file(path: Path | str) -> bytes:
    """Read the whole file once; a file that vanishes or shrinks mid-read is refused cleanly."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > P.MAX_FILE_BYTES:
            raise UserError("scans.file_too_large", mb=P.MAX_FILE_BYTES // (1024 * 1024))
        with open(path, "rb") as fh:
            data = fh.read(P.MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise UserError("scans.file_missing") from None
    except IsADirectoryError:
        raise UserError("scans.not_an_image") from None
    except OSError:
        raise UserError("scans.file_unreadable") from None
    if len(data) > P.MAX_FILE_BYTES:
        raise UserError("scans.file_too_large", mb=P.MAX_FILE_BYTES // (1024 * 1024))
    if not data:
        raise UserError("scans.file_empty")
    return data


def shred_file(path: Path | str) -> None:
    """Best effort: overwrite a plaintext scan with zeros, then delete it (STO-1)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            fh.write(b"\0" * size)
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
    except FileNotFoundError:
        pass


def import_file(
    session: Session,
    cipher: FieldCipher,
    path: Path | str,
    *,
    source: str = "file",
    delete_source: bool = False,
    cabinet: str | None = None,
    custodian_id: str | None = None,
) -> ImportResult:
    """Import one file. Whatever the file does to a decoder ends as a UserError saying why it was refused
    (scans.corrupt, scans.unreadable, ...): one bad file is that file's problem, never the caller's."""
    session.require(SCAN_IMPORT)
    data = read_file(path)
    result = import_bytes(session, cipher, data, source=source, cabinet=cabinet, custodian_id=custodian_id)
    if delete_source:
        shred_file(path)
    return result


def import_bytes(
    session: Session,
    cipher: FieldCipher,
    data: bytes,
    *,
    source: str = "file",
    cabinet: str | None = None,
    custodian_id: str | None = None,
) -> ImportResult:
    session.require(SCAN_IMPORT)
    kind = P.sniff(data)
    if kind is None:
        raise UserError("scans.not_an_image")

    def survey() -> int:
        n = P.count_pages(data, kind)
        if n > P.MAX_PAGES:
            raise UserError("scans.too_many_pages", pages=n, limit=P.MAX_PAGES)
        if n < 1:
            raise UserError("scans.no_pages")
        P.check_file_pixels(data, kind, n)  # before any page is decoded
        return n

    n = _guarded(survey, lambda: 1)
    prepared = _prepare(lambda: P.iter_pages(data, kind), cipher, Redactor(session.db))
    return _import_pages(
        session,
        prepared,
        kind=kind,
        page_count=n,
        file_sha256=archive.sha256_hex(data),
        source=source,
        cabinet=cabinet,
        custodian_id=custodian_id,
    )


def import_images(
    session: Session,
    cipher: FieldCipher,
    images: list[Image.Image],
    *,
    source: str = "scanner",
    cabinet: str | None = None,
    custodian_id: str | None = None,
) -> ImportResult:
    """Pages straight from a scanner (SANE/WIA): encoded in memory, never written to a file."""
    session.require(SCAN_IMPORT)
    if not images:
        raise UserError("scans.no_pages")
    if len(images) > P.MAX_PAGES:
        raise UserError("scans.too_many_pages", pages=len(images), limit=P.MAX_PAGES)

    def gen() -> Iterator[P.Page]:
        for i, img in enumerate(images, 1):
            P._check_pixels(img.size[0], img.size[1], i)
            flat = P.flatten(img)
            blob, mime = P.encode(flat)
            yield P.Page(i, flat, blob, mime)

    digest = archive.sha256_hex(b"".join(archive.sha256_hex(i.tobytes()).encode() for i in images))
    return _import_pages(
        session,
        _prepare(gen, cipher, Redactor(session.db)),
        kind="scanner",
        page_count=len(images),
        file_sha256=digest,
        source=source,
        cabinet=cabinet,
        custodian_id=custodian_id,
    )


def _guarded(fn: Callable[[], _T], page: Callable[[], int]) -> _T:
    """Run the decoding step `fn`; any exception it raises is the file's problem: a UserError with a reason a
    person understands (`page()` names the page being read). The class is logged, never the content."""
    try:
        return fn()
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - the per-file boundary (issue #17)
        err = P.refusal(exc, page())
        log.warning("scan file refused: %s -> %s", type(exc).__name__, err.key)
        raise err from None


class _Doc:
    def __init__(self, qr_serial: str | None) -> None:
        self.id = archive.new_id()
        self.qr_serial = qr_serial
        self.hashes: list[str] = []
        self.redacted = 0


@dataclass
class _Prepared:
    """One page ready to store: decoded, QR read, redacted, encrypted (the plaintext image is already dropped).
    `held` (a reason) means the page is not archived but held for a manager (blob under aad scan_held.image:<id>);
    `original` is the unredacted page (aad scan_unredacted.image:<id>) when boxes were blacked out."""

    number: int
    serial: str | None
    scan_id: str
    blob: bytes
    sha256: str
    mime: str
    width: int
    height: int
    held: str | None = None
    form: str | None = None  # a held page's form (its own QR or the page before's)
    original: bytes | None = None
    original_sha256: str | None = None
    original_mime: str | None = None
    boxes: int = 0


def _prepare(pages: Callable[[], Iterable[P.Page]], cipher: FieldCipher, redactor: Redactor) -> list[_Prepared]:
    """The CPU work, outside the database lock: the UI keeps reading while a batch is decoded. Any bad page
    refuses the whole file here (nothing was written); so does a file still not read after MAX_FILE_SECONDS.
    Every page of a form with sensitive boxes is redacted here (app.scans.sensitive), or held."""
    out: list[_Prepared] = []
    deadline = time.monotonic() + P.MAX_FILE_SECONDS

    def run() -> list[_Prepared]:
        for page in pages():
            sid = archive.new_id()
            fix = locate(page.image)  # the QR's serial and corners in one read (app.scans.redaction)
            serial = fix.serial if fix is not None else read_serial(page.image)
            fate = redactor.page(page.image, serial, page.data, page.mime, fix=fix)
            table = "scan_held" if fate.held else "scans"
            prepared = _Prepared(
                page.number,
                serial,
                sid,
                cipher.encrypt_bytes(fate.data, f"{table}.image:{sid}"),
                archive.sha256_hex(fate.data),
                fate.mime,
                page.image.size[0],
                page.image.size[1],
                held=fate.held,
                form=fate.form,
            )
            if fate.original is not None:
                prepared.original = cipher.encrypt_bytes(fate.original, f"scan_unredacted.image:{sid}")
                prepared.original_sha256 = archive.sha256_hex(fate.original)
                prepared.original_mime = fate.original_mime
                prepared.boxes = fate.boxes
            out.append(prepared)
            page.image.close()
            if time.monotonic() > deadline:
                raise UserError("scans.too_slow", seconds=int(P.MAX_FILE_SECONDS))
        return out

    return _guarded(run, lambda: len(out) + 1)


def _import_pages(
    session: Session,
    prepared: list[_Prepared],
    *,
    kind: str,
    page_count: int,
    file_sha256: str,
    source: str,
    cabinet: str | None,
    custodian_id: str | None,
) -> ImportResult:
    if source not in SOURCES:
        raise ValueError(source)
    batch_id = archive.new_id()
    result = ImportResult(batch_id, kind, page_count)
    now = iso(session.clock.now())
    with session.write("scans.import", "scan_batch", batch_id) as tx:
        tx.execute(
            "INSERT INTO scan_batches(id, imported_at, source, file_sha256, file_kind, page_count, staff_id)"
            " VALUES (?,?,?,?,?,?,?)",
            (batch_id, now, source, file_sha256, kind, page_count, session.staff.id),
        )
        current: _Doc | None = None
        for p in prepared:
            if p.held:
                # not archived, not in a document: held for a manager (SEN-3); a held page of another form
                # ends the current document, so later pages are not filed under the wrong form
                _hold(tx, p, batch_id)
                result.held.append((p.number, p.held))
                if current is not None and p.serial is not None and p.serial != current.qr_serial:
                    result.documents.append(_finish(tx, current, batch_id, cabinet, custodian_id))
                    current = None
                continue
            # a QR with a new serial starts a form; the same serial again is the form's next page
            # (the printed registration form carries its QR on every page)
            if current is None or (p.serial is not None and p.serial != current.qr_serial):
                if current is not None:
                    result.documents.append(_finish(tx, current, batch_id, cabinet, custodian_id))
                current = _Doc(p.serial)
                tx.execute(
                    "INSERT INTO scan_documents(id, batch_id, qr_serial, status, content_sha256, page_count,"
                    " created_at) VALUES (?,?,?,'inbox','',0,?)",
                    (current.id, batch_id, p.serial, now),
                )
            archive.insert_page(
                tx,
                scan_id=p.scan_id,
                document_id=current.id,
                page_no=len(current.hashes) + 1,
                source_page=p.number,
                blob=p.blob,
                sha256=p.sha256,
                mime=p.mime,
                width=p.width,
                height=p.height,
            )
            current.hashes.append(p.sha256)
            if p.original is not None:
                unredacted.keep_unredacted(
                    tx,
                    scan_id=p.scan_id,
                    document_id=current.id,
                    blob=p.original,
                    sha256=p.original_sha256 or "",
                    mime=p.original_mime or p.mime,
                    boxes=p.boxes,
                )
                current.redacted += 1
        if current is not None:
            result.documents.append(_finish(tx, current, batch_id, cabinet, custodian_id))
        tx.details = {
            "source": source,
            "kind": kind,
            "pages": page_count,
            "matched": result.count("matched"),
            "inbox": result.count("inbox"),
            "duplicate": result.count("duplicate"),
            "conflict": result.count("conflict"),
            "held": len(result.held),
            "redacted": sum(d.redacted for d in result.documents),
        }
    log.info("scan batch imported: batch=%s pages=%d documents=%d", batch_id, page_count, len(result.documents))
    return result


def _finish(tx: Tx, doc: _Doc, batch_id: str, cabinet: str | None, custodian_id: str | None) -> DocumentResult:
    content = archive.document_hash(doc.hashes)
    tx.execute(
        "UPDATE scan_documents SET content_sha256 = ?, page_count = ? WHERE id = ?", (content, len(doc.hashes), doc.id)
    )
    status, reason, serial = finish_document(
        tx, doc.id, doc.qr_serial, content, cabinet=cabinet, custodian_id=custodian_id
    )
    return DocumentResult(
        None if status == "duplicate" else doc.id, serial, status, len(doc.hashes), reason, redacted=doc.redacted
    )


def _hold(tx: Tx, p: _Prepared, batch_id: str) -> None:
    form = lookup_serial(tx, p.form) if p.form else None
    unredacted.hold_page(
        tx,
        held_id=p.scan_id,
        batch_id=batch_id,
        qr_serial=p.form,
        member_id=form["member_id"] if form else None,
        source_page=p.number,
        reason=p.held or "unknown",
        blob=p.blob,
        mime=p.mime,
        width=p.width,
        height=p.height,
        sha256=p.sha256,
    )
