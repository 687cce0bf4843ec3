"""Issue #16, SEN-3: the unredacted page of an archived form and a page held for a manager are sealed to the store's
field public key, like the other sensitive columns. A clerk's session (everything it holds, the data key included)
opens them through no public function of app.scans; a manager opens them only in a step-up, audited; pages written
before (under the field key) are sealed at the next sign-in (migration 0017 re-arms the one-time sealing)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
import secrets
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

import app.scans
import app.storage.migrations
from app.errors import UserError
from app.members.service import cipher_for
from app.scans import archive, quarantine, unredacted
from app.scans.importer import import_bytes
from app.scans.watch import FAILED_DIR, FolderWatcher
from app.storage.fieldcrypt import FieldCipher, is_sealed_column, token_is_sealed
from tests.app.test_scan_redaction_import import _filled
from tests.conftest import CLERK_PW, MANAGER_PW
from tests.scan_samples import form_page, to_bytes

PAGES = (("scan_unredacted", "scan_id"), ("scan_held", "id"))


@pytest.fixture
def imported(manager, clerk, vault):
    """A clerk imports one redacted form page and one page held for a manager. Returns the two originals' bytes
    (unredacted page, held page) and the ids."""
    from app.notices.store import ensure_default_stored
    from app.printing import registration_form as RF
    from app.printing.fonts import choose_font
    from app.printing.serials import issue_form_serials
    from tests.factories import make_member

    notice = ensure_default_stored(manager)
    serials = issue_form_serials(manager, notice, 2)
    mid = make_member(manager)
    with manager.write("forms.match.test") as tx:
        tx.execute("UPDATE form_serials SET matched_member_id = ? WHERE serial IN (?, ?)", (mid, *serials))
    marks: list = []
    pdf = RF.registration_form_pdf(notice, serials[:1], font=choose_font(), marks=marks)
    original = to_bytes(_filled(pdf, 2, marks, dpi=150), "PNG")
    marks2: list = []
    pdf2 = RF.registration_form_pdf(notice, serials[1:], font=choose_font(), marks=marks2)
    scan = _filled(pdf2, 2, marks2, dpi=150)
    foreign = form_page(None, dpi=150, seed=3).resize(scan.size)
    foreign.paste(scan.crop((0, 0, scan.width, 250)), (0, 0))  # the form's QR over another page: held
    held = to_bytes(foreign, "PNG")
    cipher = cipher_for(vault)
    res = import_bytes(clerk, cipher, original)
    [doc] = res.documents
    res2 = import_bytes(clerk, cipher, held)
    assert res2.held and doc.redacted == 1
    scan_id = manager.db.scalar("SELECT scan_id FROM scan_unredacted")
    held_id = manager.db.scalar("SELECT id FROM scan_held")
    refused = original[: len(original) // 2]  # a truncated scan the import refuses: the ID-number boxes in clear
    qid = quarantine.quarantine_bytes(clerk, cipher, refused, reason="scans.corrupt", suffix=".png")
    return {
        "refused": refused,
        "qid": qid,
        "original": original,
        "held": held,
        "scan_id": scan_id,
        "held_id": held_id,
        "doc": doc.document_id,
        "member": mid,
    }


def _blobs(db) -> dict[str, bytes]:
    return {f"{t}.image:{r[0]}": bytes(r[1]) for t, idc in PAGES for r in db.all(f"SELECT {idc}, image FROM {t}")}


def test_the_page_columns_are_registered_sealed():
    assert is_sealed_column("scan_unredacted", "image")  # rule: SEN-3
    assert is_sealed_column("scan_held", "image")  # rule: SEN-3
    assert not is_sealed_column("scans", "image")  # the redacted page: every clerk sees it


def test_the_stored_pages_do_not_open_with_the_data_key(imported, vault, manager_cipher):
    blobs = _blobs(vault.db)
    assert len(blobs) == 2 and all(token_is_sealed(b) for b in blobs.values())  # rule: SEN-3
    data_key = vault.data_key()  # everything a clerk's session holds
    for aad, blob in blobs.items():
        with pytest.raises(UserError) as ei:
            FieldCipher(data_key).decrypt_bytes(blob, aad)
        assert ei.value.key == "fieldcrypt.step_up"  # rule: SEN-3
        with pytest.raises(InvalidTag):  # the field key itself, applied to the blob's bytes the old way
            FieldCipher(data_key)._aead.decrypt(blob[4:16], blob[16:], aad.encode())  # rule: SEN-3
        with pytest.raises(UserError):
            cipher_for(vault).decrypt_bytes(blob, aad)  # rule: SEN-3
        assert imported["original"] not in blob and imported["held"] not in blob  # rule: STO-1
    # the step-up's cipher opens them
    assert (
        manager_cipher.decrypt_bytes(
            blobs[f"scan_unredacted.image:{imported['scan_id']}"], "scan_unredacted.image:" + imported["scan_id"]
        )
        == imported["original"]
    )
    assert (
        manager_cipher.decrypt_bytes(
            blobs[f"scan_held.image:{imported['held_id']}"], "scan_held.image:" + imported["held_id"]
        )
        == imported["held"]
    )


# Every public function of app.scans, with what a clerk's session gets from it. A function that is not listed
# fails the test: a new reader must be looked at.
def _calls(ctx):
    s, c, q = ctx["session"], ctx["cipher"], ctx["ids"]
    return {
        "archive.document_pages": lambda: archive.document_pages(s, c, q["doc"]),
        "archive.export_member_scans": lambda: archive.export_member_scans(s.db, q["member"]),
        "inbox.list_inbox": lambda: app.scans.inbox.list_inbox(s.db),
        "inbox.inbox_count": lambda: app.scans.inbox.inbox_count(s.db),
        "quarantine.list_quarantine": lambda: app.scans.quarantine.list_quarantine(s),
        "quarantine.quarantine_count": lambda: app.scans.quarantine.quarantine_count(s.db),
        "quarantine.export_file": lambda: app.scans.quarantine.export_file(s, c, q["qid"]),
        "unredacted.list_held": lambda: unredacted.list_held(s),
        "unredacted.held_count": lambda: unredacted.held_count(s.db),
        "unredacted.view_held": lambda: unredacted.view_held(s, c, q["held_id"]),
        "unredacted.has_unredacted": lambda: unredacted.has_unredacted(s.db, q["scan_id"]),
        "unredacted.reveal_page": lambda: unredacted.reveal_page(s, c, q["scan_id"], "dispute"),
        "unredacted.waiting": lambda: unredacted.waiting(s.db, s.clock.now().date()),
        "unredacted.any_due": lambda: unredacted.any_due(s.db, s.clock.now().date()),
    }


# The rest take no stored page: pure functions of their input, writes of a page the caller already has, deletes.
NO_STORED_PAGE = {
    "archive.new_id", "archive.sha256_hex", "archive.document_hash", "archive.store_page", "archive.insert_page",
    "archive.delete_document",
    "decode.parse_payload", "decode.read_serial", "decode.is_serial",
    "importer.read_file", "importer.shred_file", "importer.import_file", "importer.import_bytes",
    "importer.import_images", "importer.ImportResult.count",
    "inbox.match_document", "inbox.resolve_conflict", "inbox.discard_document",
    "matching.lookup_serial", "matching.finish_document", "matching.link", "matching.adopt_waiting_scans",
    "pages.sniff", "pages.flatten", "pages.encode", "pages.count_pages", "pages.total_pixels",
    "pages.check_file_pixels", "pages.refusal", "pages.iter_pages",
    "quarantine.quarantine_bytes", "quarantine.quarantine_file", "quarantine.discard", "quarantine.any_due",
    "quarantine.purge_due",
    "redaction.form_layout", "redaction.locate", "redaction.fit_affine", "redaction.page_map",
    "redaction.identify_page", "redaction.redact", "redaction.refine", "redaction.box_edges", "redaction.check_boxes",
    "sane_source.available", "sane_source.devices", "sane_source.scan_pages",
    "sensitive.Redactor.layout_for", "sensitive.Redactor.page",
    "unredacted.delete_by", "unredacted.keep_unredacted", "unredacted.hold_page", "unredacted.decide_held",
    "unredacted.purge_due",
    "watch.FolderWatcher.check", "watch.FolderWatcher.candidates", "watch.FolderWatcher.poll",
}  # fmt: skip


def _public_functions() -> set[str]:
    out = set()
    for info in pkgutil.iter_modules(app.scans.__path__):
        mod = importlib.import_module(f"app.scans.{info.name}")
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj):
                out.add(f"{info.name}.{name}")
            elif inspect.isclass(obj) and not issubclass(obj, BaseException):
                for meth, fn in vars(obj).items():
                    if not meth.startswith("_") and inspect.isfunction(fn):
                        out.add(f"{info.name}.{name}.{meth}")
    return out


def _all_bytes(value, seen=None) -> list[bytes]:
    if isinstance(value, bytes | bytearray | memoryview):
        return [bytes(value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _all_bytes(dataclasses.asdict(value))
    if isinstance(value, dict):
        return [b for v in value.values() for b in _all_bytes(v)]
    if isinstance(value, list | tuple | set):
        return [b for v in value for b in _all_bytes(v)]
    return []


def test_every_public_function_of_app_scans_is_accounted_for():
    found = _public_functions()
    listed = set(_calls({"session": None, "cipher": None, "ids": {}})) | NO_STORED_PAGE
    assert found - listed == set(), "new public functions in app.scans: say what they give a clerk"
    assert listed - found == set(), "stale names"
    for name in NO_STORED_PAGE:  # none of them decrypts anything
        mod, _, attr = name.partition(".")
        obj = importlib.import_module(f"app.scans.{mod}")
        for part in attr.split("."):
            obj = getattr(obj, part)
        assert "decrypt" not in inspect.getsource(obj), name  # rule: SEN-3


@pytest.mark.parametrize("who", ["clerk", "manager_without_step_up"])
def test_no_public_function_gives_a_clerk_the_unredacted_or_held_page(imported, vault, clerk, manager, who):
    session = clerk if who == "clerk" else manager
    ctx = {"session": session, "cipher": cipher_for(vault), "ids": imported}
    outcomes = {}
    for name, call in _calls(ctx).items():
        try:
            outcomes[name] = _all_bytes(call())
        except UserError as exc:  # PermissionDenied is a UserError too
            outcomes[name] = exc.key
    for name, got in outcomes.items():
        if isinstance(got, list):
            assert all(imported["original"] not in b and imported["held"] not in b for b in got), name  # rule: SEN-3
            assert all(imported["refused"] not in b for b in got), name  # rule: SEN-3
    assert outcomes["unredacted.reveal_page"] in ("error.permission", "fieldcrypt.step_up")  # rule: SEN-3
    assert outcomes["unredacted.view_held"] in ("error.permission", "fieldcrypt.step_up")  # rule: SEN-3
    assert outcomes["quarantine.export_file"] in ("error.permission", "fieldcrypt.step_up")  # rule: SEN-3
    if who == "clerk":
        assert outcomes["unredacted.reveal_page"] == outcomes["unredacted.view_held"] == "error.permission"
        assert outcomes["quarantine.export_file"] == "error.permission"  # rule: SEN-3
    else:
        assert outcomes["quarantine.export_file"] == "fieldcrypt.step_up"  # rule: SEN-3
    # no reveal was recorded: nothing was shown
    assert (
        manager.db.scalar(
            "SELECT count(*) FROM audit_log WHERE action IN ('scan.reveal', 'scan.held.view', 'scans.quarantine.export')"
        )
        == 0
    )


def test_a_manager_opens_them_in_a_step_up_audited(imported, vault, manager):
    with vault.step_up("manager", MANAGER_PW) as up:
        data, _ = unredacted.reveal_page(up.session(manager), up.cipher, imported["scan_id"], "verify_identity")
        held, _ = unredacted.view_held(up.session(manager), up.cipher, imported["held_id"])
        cipher = up.cipher
    assert data == imported["original"] and held == imported["held"]
    with pytest.raises(UserError):  # the step-up is over: its cipher forgot the key
        unredacted.reveal_page(manager, cipher, imported["scan_id"], "dispute")  # rule: SEN-3
    rows = manager.db.all("SELECT action, staff_id, details FROM audit_log WHERE action LIKE 'scan.%' ORDER BY seq")
    actions = [(r[0], r[1]) for r in rows if r[0] in ("scan.reveal", "scan.held.view")]
    assert actions == [("scan.reveal", manager.staff.id), ("scan.held.view", manager.staff.id)]  # rule: SEN-3
    reveal = next(json.loads(r[2]) for r in rows if r[0] == "scan.reveal")
    assert reveal["reason"] == "verify_identity" and reveal["member_id"] == imported["member"]


def _legacy(data_key: bytes, value: bytes, aad: str) -> bytes:
    """How the pages were stored before: AES-GCM under the field key (derived from the data key)."""
    nonce = secrets.token_bytes(12)
    return b"MDv1" + nonce + FieldCipher(data_key)._aead.encrypt(nonce, value, aad.encode())


def test_pages_stored_the_old_way_are_sealed_at_the_next_sign_in(imported, vault, manager):
    data_key = vault.data_key()
    clear = {"scan_unredacted": imported["original"], "scan_held": imported["held"]}
    ids = {"scan_unredacted": imported["scan_id"], "scan_held": imported["held_id"]}
    # a store from before this change: the pages under the field key, and the one-time sealing already done
    with manager.db.transaction() as conn:
        for t, idc in PAGES:
            aad = f"{t}.image:{ids[t]}"
            conn.execute(f"UPDATE {t} SET image = ? WHERE {idc} = ?", (_legacy(data_key, clear[t], aad), ids[t]))
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('fields_sealed_at', '2026-11-30T00:00:00Z')")
        # what migration 0017 does when the store opens (one statement)
        conn.execute((Path(app.storage.migrations.__file__).parent / "0017_seal_scan_pages.sql").read_text("utf-8"))
    assert not any(token_is_sealed(b) for b in _blobs(manager.db).values())
    vault.lock()
    session = vault.sign_in("manager", MANAGER_PW)
    blobs = _blobs(session.db)
    assert len(blobs) == 2 and all(token_is_sealed(b) for b in blobs.values())  # rule: SEN-3
    details = session.db.scalar("SELECT details FROM audit_log WHERE action = 'store.fields_sealed' ORDER BY seq DESC")
    assert json.loads(details)["count"] == 2
    for aad, blob in blobs.items():
        with pytest.raises(UserError):
            FieldCipher(data_key).decrypt_bytes(blob, aad)  # rule: SEN-3
    with vault.step_up("manager", MANAGER_PW) as up:
        data, _ = unredacted.reveal_page(up.session(session), up.cipher, imported["scan_id"], "dispute")
        held, _ = unredacted.view_held(up.session(session), up.cipher, imported["held_id"])
    assert data == imported["original"] and held == imported["held"]
    vault.lock()
    clerk = vault.sign_in("clerk", CLERK_PW)  # nothing left to seal; the clerk cannot open them
    with pytest.raises(UserError):
        unredacted.reveal_page(clerk, cipher_for(vault), imported["scan_id"], "dispute")  # rule: SEN-3


def test_migration_0017_re_arms_the_sealing(vault, manager):
    names = {v: n for v, n, _p in app.storage.migrations.available()}
    assert names.get(17) == "seal_scan_pages"
    assert manager.db.scalar("SELECT count(*) FROM schema_migrations WHERE version = 17") == 1


# -- the quarantine of refused files (scan_quarantine.data): a refused file may be an unredacted form page -------
def _quarantined(db) -> dict[str, bytes]:
    return {f"scan_quarantine.data:{r[0]}": bytes(r[1]) for r in db.all("SELECT id, data FROM scan_quarantine")}


def test_the_quarantine_column_is_registered_sealed():
    assert is_sealed_column("scan_quarantine", "data")  # rule: SEN-3


def test_every_path_into_the_quarantine_seals_the_file(imported, vault, clerk, manager, manager_cipher, tmp_path):
    """quarantine_bytes (the fixture), quarantine_file, the watched folder's refusal and its drain of an older
    version's plaintext 未导入 folder: each stores only a sealed value the data key does not open."""
    cipher = cipher_for(vault)
    clear = {imported["qid"]: imported["refused"]}
    f = tmp_path / "one.pdf"
    content = b"%PDF-1.4 refused " + imported["refused"][:2000]
    f.write_bytes(content)
    clear[quarantine.quarantine_file(clerk, cipher, f, reason="scans.corrupt", source="file")] = content
    assert not f.exists()
    folder = tmp_path / "scan-to-folder"
    (folder / FAILED_DIR).mkdir(parents=True)
    (folder / "0001.png").write_bytes(imported["refused"][:3000] + b"x")
    (folder / FAILED_DIR / "old.pdf").write_bytes(b"%PDF-1.4 an older version's refused file " + b"4" * 18)
    w = FolderWatcher(folder)
    w.poll(clerk, cipher)
    w.poll(clerk, cipher)
    assert [p for p in folder.rglob("*") if p.is_file()] == []
    stored = _quarantined(manager.db)
    assert len(stored) == 4
    data_key = vault.data_key()
    for aad, blob in stored.items():
        assert token_is_sealed(blob), aad  # rule: SEN-3
        with pytest.raises(UserError) as ei:
            FieldCipher(data_key).decrypt_bytes(blob, aad)
        assert ei.value.key == "fieldcrypt.step_up"  # rule: SEN-3
        with pytest.raises(InvalidTag):  # the field key applied the old way
            FieldCipher(data_key)._aead.decrypt(blob[4:16], blob[16:], aad.encode())  # rule: SEN-3
        assert imported["refused"][:3000] not in blob  # rule: STO-1
    opened = {aad.split(":", 1)[1]: manager_cipher.decrypt_bytes(b, aad) for aad, b in stored.items()}
    for qid, data in clear.items():
        assert opened[qid] == data
    assert sorted(opened.values()) == sorted(
        [*clear.values(), imported["refused"][:3000] + b"x", b"%PDF-1.4 an older version's refused file " + b"4" * 18]
    )


def test_without_a_field_key_pair_nothing_is_quarantined_and_the_file_stays(vault, clerk, tmp_path):
    """A cipher without the store's public key (no manager signed in since the upgrade) cannot seal: the file is
    not stored under a weaker key, the watched folder leaves it and tries again at its next poll."""
    bare = FieldCipher(vault.data_key())
    with pytest.raises(UserError) as ei:
        quarantine.quarantine_bytes(clerk, bare, b"refused page", reason="scans.corrupt")
    assert ei.value.key == "fieldcrypt.no_public_key"  # rule: SEN-3
    folder = tmp_path / "scan-to-folder"
    folder.mkdir()
    (folder / "0001.png").write_bytes(b"\x89PNG truncated")
    w = FolderWatcher(folder)
    w.poll(clerk, bare)
    w.poll(clerk, bare)
    assert (folder / "0001.png").exists()
    assert clerk.db.scalar("SELECT count(*) FROM scan_quarantine") == 0  # rule: SEN-3


def test_a_manager_exports_a_quarantined_file_only_in_a_step_up_audited(imported, vault, manager, clerk):
    qid = imported["qid"]
    with pytest.raises(UserError) as ei:
        quarantine.export_file(manager, cipher_for(vault), qid)
    assert ei.value.key == "fieldcrypt.step_up"  # rule: SEN-3
    with pytest.raises(UserError) as ei:
        quarantine.export_file(clerk, cipher_for(vault), qid)
    assert ei.value.key == "error.permission"  # rule: SEN-3
    assert manager.db.scalar("SELECT count(*) FROM audit_log WHERE action = 'scans.quarantine.export'") == 0
    with vault.step_up("manager", MANAGER_PW) as up:
        data = quarantine.export_file(up.session(manager), up.cipher, qid)
        cipher = up.cipher
    assert data == imported["refused"]
    with pytest.raises(UserError):  # the step-up is over: its cipher forgot the key
        quarantine.export_file(manager, cipher, qid)  # rule: SEN-3
    rows = manager.db.all("SELECT staff_id, details FROM audit_log WHERE action = 'scans.quarantine.export'")
    assert [r[0] for r in rows] == [manager.staff.id]  # rule: SEN-3
    assert json.loads(rows[0][1]) == {"size": len(imported["refused"])}  # no personal data in the entry


def test_quarantined_files_stored_the_old_way_are_sealed_at_the_next_sign_in(imported, vault, manager):
    data_key = vault.data_key()
    qid, clear = imported["qid"], imported["refused"]
    aad = f"scan_quarantine.data:{qid}"
    with manager.db.transaction() as conn:
        conn.execute("UPDATE scan_quarantine SET data = ? WHERE id = ?", (_legacy(data_key, clear, aad), qid))
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('fields_sealed_at', '2026-11-30T00:00:00Z')")
        # what migration 0020 does when the store opens (one statement)
        conn.execute(
            (Path(app.storage.migrations.__file__).parent / "0020_seal_scan_quarantine.sql").read_text("utf-8")
        )
    assert not token_is_sealed(_quarantined(manager.db)[aad])
    vault.lock()
    session = vault.sign_in("clerk", CLERK_PW)  # any sign-in seals once the store has its key pair
    blob = _quarantined(session.db)[aad]
    assert token_is_sealed(blob)  # rule: SEN-3
    details = session.db.scalar("SELECT details FROM audit_log WHERE action = 'store.fields_sealed' ORDER BY seq DESC")
    assert json.loads(details)["count"] == 1
    with pytest.raises(UserError):
        quarantine.export_file(vault.sign_in("manager", MANAGER_PW), cipher_for(vault), qid)  # rule: SEN-3
    manager2 = vault.sign_in("manager", MANAGER_PW)
    with vault.step_up("manager", MANAGER_PW) as up:
        assert quarantine.export_file(up.session(manager2), up.cipher, qid) == clear


def test_migration_0020_re_arms_the_sealing(vault, manager):
    names = {v: n for v, n, _p in app.storage.migrations.available()}
    assert names.get(20) == "seal_scan_quarantine"
    assert manager.db.scalar("SELECT count(*) FROM schema_migrations WHERE version = 20") == 1
