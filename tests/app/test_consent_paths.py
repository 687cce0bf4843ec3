"""Issue #15: the consent rules hold on every path of the core, not only on the wizard's.

Paths that record a consent: register_member (screen, signature, paper), grant_consent (grant, reconsent; screen,
paper), record_consent called directly inside a write. Paths that use a purpose: the selection for a purpose,
disclosures, the member view's flags. Paths a restricted member is kept out of: disclosure, selection, a clerk's
correction, a new purpose. Each refusal has a message in both languages."""

from __future__ import annotations

import base64
import io
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image

from app.consent.evidence import check_signature_png
from app.consent.selection import select_members_for_purpose, selectable_members
from app.consent.service import record_consent
from app.disclosures import disclose
from app.errors import UserError, ValidationError
from app.flows.enrolment import grant_consent, register_member
from app.members import records as R, validation as V
from app.members.service import cipher_for, get_member, update_member
from app.notices import default_notice, import_notice
from app.printing.serials import issue_form_serials
from tests.app.regdata import PNG, decisions, register

CHILD_BIRTH = "2016-05-01"  # 10 years old on the fixtures' date (2026-11-02)
GUARDIAN = {"name": "张建国", "relation": "father", "consent": True}


def _both_languages(exc: UserError) -> None:
    zh, en = exc.message("zh_CN"), exc.message("en")
    assert zh and en and zh != en and "操作未完成" not in zh and not zh.startswith(exc.key)


def _restrict(session, member_id: str) -> None:
    with session.write("member.restrict.test", "member", member_id) as tx:
        R.set_restricted(tx, member_id, True, "2026-11-02T09:00:00+08:00")


def _new_version(changes: dict[str, dict], version: str = "2026.3", effective: str = "2026-11-02"):
    zh, en = default_notice("zh_CN").to_dict(), default_notice("en").to_dict()
    for d in (zh, en):
        d["version"], d["effective_date"] = version, effective
        for p in d["purposes"]:
            for k, v in changes.get(p["code"], {}).items():
                p[k] = p[k] + v
    return zh, en


def _image_bytes(fmt: str, size=(48, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


# -- SEN-1: the evidence of a sensitive consent ---------------------------------------------------------
BAD_SIGNATURES = {
    "png_header_only": b"\x89PNG\r\n\x1a\n" + b"signature-strokes" * 4,
    "jpeg": _image_bytes("JPEG", (200, 60)),
    "tiny_png": _image_bytes("PNG", (5, 5)),
    "text": b"signed",
}


@pytest.mark.parametrize("bad", sorted(BAD_SIGNATURES))
def test_a_signature_must_decode_as_a_signature_png_on_every_path(clerk, vault, bad):
    sig = {"instalment": BAD_SIGNATURES[bad]}
    with pytest.raises(ValidationError) as ei:
        register(clerk, vault, granted={"instalment": True}, signatures=sig)
    assert ei.value.key == "consent.signature_invalid"  # rule: SEN-1
    _both_languages(ei.value)
    mid = register(clerk, vault, mobile="13900000001")["id"]
    for kind in ("grant", "reconsent"):
        with pytest.raises(ValidationError) as ei:
            grant_consent(clerk, mid, decisions(instalment=True), signatures=sig, cipher=cipher_for(vault), kind=kind)
        assert ei.value.key == "consent.signature_invalid"  # rule: SEN-1
    assert clerk.db.scalar("SELECT count(*) FROM consent_evidence") == 0  # rule: SEN-1
    assert check_signature_png(PNG) == PNG


@pytest.mark.parametrize("ref", ["anything", "SH-001-261102-00001", "scan:1234", " "])
def test_a_free_evidence_ref_is_refused_on_every_path(clerk, vault, ref):
    sig = {"instalment": PNG}
    for method in ("screen", "signature", "desk"):
        with pytest.raises(UserError) as ei:
            register(
                clerk,
                vault,
                granted={"instalment": True},
                signatures=sig,
                method=method,
                evidence_ref=ref.strip() or "x",
            )
        assert ei.value.key == "consent.evidence_ref_invalid"  # rule: SEN-1
    mid = register(clerk, vault, mobile="13900000002")["id"]
    for method in ("screen", "paper"):
        with pytest.raises(UserError) as ei:
            grant_consent(
                clerk,
                mid,
                decisions(instalment=True),
                signatures=sig,
                cipher=cipher_for(vault),
                method=method,
                evidence_ref=ref,
            )
        assert ei.value.key in (
            "consent.evidence_ref_invalid",
            "member.form_unknown",
            "member.form_needed",
            "member.form_invalid",
        )  # rule: SEN-1
    # record_consent called directly (inside any write) checks the same
    with pytest.raises(UserError) as ei, clerk.write("consent.test", "member", mid) as tx:
        record_consent(
            tx,
            clerk,
            mid,
            default_notice("zh_CN"),
            {"instalment": True},
            kind="grant",
            method="paper",
            cipher=cipher_for(vault),
            evidence_ref=ref,
            paper_signed={"instalment"},
        )
    assert ei.value.key == "consent.evidence_ref_invalid"  # rule: SEN-1
    with pytest.raises(UserError) as ei, clerk.write("consent.test", "member", mid) as tx:
        record_consent(
            tx,
            clerk,
            mid,
            default_notice("zh_CN"),
            {"skin_analysis": True},
            kind="grant",
            method="screen",
            evidence_ref=ref,
        )
    assert ei.value.key == "consent.sensitive_needs_signature"  # rule: SEN-1
    assert clerk.db.scalar("SELECT count(*) FROM consent_items WHERE granted = 1 AND sensitive = 1") == 0  # rule: SEN-1


def test_a_paper_form_stands_for_a_sensitive_consent_only_with_the_clerks_confirmation(clerk, vault):
    serial = issue_form_serials(clerk, default_notice("zh_CN"), 1)[0]
    mid = register(clerk, vault, mobile="13900000003")["id"]
    with pytest.raises(UserError) as ei, clerk.write("consent.test", "member", mid) as tx:
        record_consent(
            tx,
            clerk,
            mid,
            default_notice("zh_CN"),
            {"skin_analysis": True},
            kind="grant",
            method="paper",
            cipher=cipher_for(vault),
            evidence_ref=serial,
            paper_signed=set(),
        )
    assert ei.value.key == "member.paper_sensitive_unsigned"  # rule: SEN-1


# -- SEN-2: a biometric value is a feature code, never an image ------------------------------------------
IMAGES = {fmt: _image_bytes(fmt) for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "TGA", "PPM", "ICO")}


@pytest.mark.parametrize("fmt", sorted(IMAGES))
@pytest.mark.parametrize("prefix", [b"", b"\x00\x01\x02\x03", os.urandom(7)])
@pytest.mark.parametrize("encode", ["hex", "b64"])
def test_no_image_passes_as_a_face_feature(fmt, prefix, encode):
    raw = prefix + IMAGES[fmt]
    if prefix and fmt in ("TGA", "PPM"):
        raw = IMAGES[fmt]  # no signature to find after a prefix: tested without one
    text = raw.hex() if encode == "hex" else base64.b64encode(raw).decode()
    if len(text) > 2048:
        text = text[:2048] if encode == "hex" else base64.b64encode(raw[:1500]).decode()
    with pytest.raises(ValidationError):
        V.face_feature(text)  # rule: SEN-2


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=16, max_size=1000), st.booleans())
def test_feature_codes_are_accepted_and_images_inside_them_are_not(raw, as_hex):
    text = raw.hex() if as_hex else base64.b64encode(raw).decode()
    if not (32 <= len(text) <= 2048):
        return
    try:
        V.face_feature(text)
    except ValidationError:
        # refused only because the bytes hold an image (or SVG text)
        assert V._decodes_as_image(raw)  # rule: SEN-2
    embedded = raw[:8] + IMAGES["PNG"]
    with pytest.raises(ValidationError):
        V.face_feature(embedded.hex()[:2048])  # rule: SEN-2


# -- CON-4: minors on every path -------------------------------------------------------------------------
def test_the_under_14_question_is_always_answered(clerk, vault):
    with pytest.raises(ValidationError) as ei:
        register_member(
            clerk,
            cipher_for(vault),
            notice=default_notice("zh_CN"),
            decisions=decisions(),
            values={"name": "王小明", "mobile": "13900000010"},
        )
    assert ei.value.key == "consent.minor_unknown"  # rule: CON-4
    _both_languages(ei.value)
    assert clerk.db.scalar("SELECT count(*) FROM members") == 0  # rule: CON-4
    kid = register(clerk, vault, mobile="13900000011", minor=True, guardian=GUARDIAN)["id"]
    adult = register(clerk, vault, mobile="13900000012", values={"birth_date": "1990-01-01"})["id"]
    declined = register(clerk, vault, mobile="13900000013", minor=False)["id"]
    rows = {r[0]: (r[1], r[2]) for r in clerk.db.all("SELECT id, is_minor, minor_basis FROM members")}
    assert (
        rows[kid] == (1, "answer") and rows[adult] == (0, "birth_date") and rows[declined] == (0, "answer")
    )  # rule: CON-4


def test_a_birth_date_under_14_makes_a_minor_whatever_the_answer(clerk, vault):
    with pytest.raises(ValidationError) as ei:
        register(clerk, vault, values={"birth_date": CHILD_BIRTH}, minor=False)
    assert ei.value.key == "member.guardian_required"  # rule: CON-4
    for g in ({"name": "张建国", "relation": "father"}, {"relation": "father", "consent": True}, {}):
        with pytest.raises(ValidationError):
            register(clerk, vault, values={"birth_date": CHILD_BIRTH}, guardian=g)  # rule: CON-4
    with pytest.raises(ValidationError):
        register(clerk, vault, minor=True, guardian={**GUARDIAN, "relation": "uncle?"})  # rule: CON-4
    mid = register(clerk, vault, values={"birth_date": CHILD_BIRTH}, guardian=GUARDIAN)["id"]
    rec = clerk.db.one("SELECT guardian_consent, guardian_relation FROM consent_records WHERE member_id = ?", (mid,))
    assert tuple(rec) == (1, "father")  # rule: CON-4


def test_a_minors_sensitive_purpose_needs_the_guardians_separate_consent(clerk, vault):
    sig = {"skin_analysis": PNG}
    with pytest.raises(ValidationError) as ei:
        register(clerk, vault, minor=True, guardian=GUARDIAN, granted={"skin_analysis": True}, signatures=sig)
    assert ei.value.key == "consent.guardian_sensitive_required"  # rule: CON-4
    _both_languages(ei.value)
    g = {**GUARDIAN, "sensitive": ["skin_analysis"]}
    mid = register(clerk, vault, minor=True, guardian=g, granted={"skin_analysis": True}, signatures=sig)["id"]
    item = clerk.db.one(
        "SELECT i.guardian_separate FROM consent_items i JOIN consent_records r ON r.id = i.record_id"
        " WHERE r.member_id = ? AND i.purpose_code = 'skin_analysis'",
        (mid,),
    )
    assert item[0] == 1  # rule: CON-4


@pytest.mark.parametrize("kind", ["grant", "reconsent"])
def test_later_consents_of_a_minor_need_the_guardian(clerk, vault, kind):
    mid = register(clerk, vault, values={"birth_date": CHILD_BIRTH}, guardian=GUARDIAN)["id"]
    with pytest.raises(ValidationError) as ei:
        grant_consent(clerk, mid, decisions(marketing=True), cipher=cipher_for(vault), kind=kind)
    assert ei.value.key == "member.guardian_required"  # rule: CON-4
    with pytest.raises(ValidationError), clerk.write("consent.test", "member", mid) as tx:
        record_consent(
            tx, clerk, mid, default_notice("zh_CN"), {"marketing": True}, kind=kind, method="screen"
        )  # rule: CON-4
    rid = grant_consent(clerk, mid, decisions(marketing=True), cipher=cipher_for(vault), kind=kind, guardian=GUARDIAN)
    assert clerk.db.scalar("SELECT guardian_consent FROM consent_records WHERE id = ?", (rid,)) == 1  # rule: CON-4
    # a declared minor (no birth date) stays one: fail closed
    kid = register(clerk, vault, mobile="13900000020", minor=True, guardian=GUARDIAN)["id"]
    with pytest.raises(ValidationError):
        grant_consent(clerk, kid, decisions(marketing=True), cipher=cipher_for(vault), kind=kind)  # rule: CON-4


def test_a_paper_registration_of_a_minor_needs_the_guardian(clerk, vault):
    serial = issue_form_serials(clerk, default_notice("zh_CN"), 1)[0]
    kw = dict(method="paper", evidence_ref=serial, values={"birth_date": CHILD_BIRTH})
    with pytest.raises(ValidationError) as ei:
        register(clerk, vault, **kw)
    assert ei.value.key == "member.guardian_required"  # rule: CON-4
    mid = register(clerk, vault, guardian=GUARDIAN, **kw)["id"]
    assert (
        clerk.db.scalar("SELECT guardian_consent FROM consent_records WHERE member_id = ?", (mid,)) == 1
    )  # rule: CON-4


def test_turning_14_ends_the_guardians_part(clerk, vault):
    mid = register(clerk, vault, values={"birth_date": "2012-11-03"}, guardian=GUARDIAN)["id"]
    assert R.minor_now(clerk.db, mid, clerk.clock.now().date())
    clerk.clock.advance(days=2)
    assert not R.minor_now(clerk.db, mid, clerk.clock.now().date())  # rule: CON-4
    grant_consent(clerk, mid, decisions(marketing=True), cipher=cipher_for(vault))


# -- CON-5: a changed purpose is suspended on every path that uses it --------------------------------------
def test_a_changed_purpose_is_suspended_everywhere_until_reconsent(clerk, manager, vault):
    mid = register(
        clerk,
        vault,
        granted={"marketing": True, "offers": True, "delivery": True},
        values={"address": "上海市黄浦区南京东路一号"},
    )["id"]
    assert set(selectable_members(manager.db, "marketing", "2026-11-02")) == {mid}
    assert get_member(clerk, mid).marketing
    zh, en = _new_version(
        {"marketing": {"data_types": ["出生日期"]}, "delivery": {"recipients": "（含第二家物流企业）"}}
    )
    en["purposes"][1]["data_types"] = ["Mobile number", "Birth date"]
    import_notice(manager, zh, en)
    assert select_members_for_purpose(manager, "marketing") == []  # rule: CON-5
    assert select_members_for_purpose(manager, "offers") == [mid]  # unchanged purposes run on
    assert not get_member(clerk, mid).marketing and get_member(clerk, mid).offers  # rule: CON-5
    with pytest.raises(UserError) as ei:
        disclose(clerk, mid, "logistics", "顺丰速运", ["delivery_address"])
    assert ei.value.key == "disclosure.no_consent"  # rule: CON-5
    grant_consent(clerk, mid, decisions(marketing=True, offers=True, delivery=True), kind="reconsent")
    assert select_members_for_purpose(manager, "marketing") == [mid]
    assert disclose(clerk, mid, "logistics", "顺丰速运", ["delivery_address"])


def test_a_notice_not_yet_in_effect_suspends_nothing(clerk, manager, vault):
    mid = register(clerk, vault, granted={"marketing": True})["id"]
    zh, en = _new_version({"marketing": {"data_types": ["出生日期"]}}, effective="2026-12-01")
    en["purposes"][1]["data_types"] = ["Mobile number", "Birth date"]
    import_notice(manager, zh, en)
    assert select_members_for_purpose(manager, "marketing") == [mid]
    manager.clock.advance(days=30)
    assert select_members_for_purpose(manager, "marketing") == []  # rule: CON-5


# -- RIG-5: a restricted member's data is stored only -----------------------------------------------------
def test_a_restricted_member_is_used_for_nothing(clerk, manager, vault):
    mid = register(
        clerk,
        vault,
        granted={"marketing": True, "delivery": True},
        values={"address": "上海市黄浦区南京东路一号"},
    )["id"]
    _restrict(manager, mid)
    with pytest.raises(UserError) as ei:
        disclose(manager, mid, "logistics", "顺丰速运", ["delivery_address"])
    assert ei.value.key == "disclosure.member_restricted"  # rule: RIG-5
    _both_languages(ei.value)
    assert select_members_for_purpose(manager, "marketing") == []  # rule: RIG-5
    assert not get_member(manager, mid).marketing  # rule: RIG-5
    with pytest.raises(UserError) as ei:
        update_member(clerk, mid, {"name": "王改名"})
    assert ei.value.key == "member.restricted"  # rule: RIG-5
    for session in (clerk, manager):
        with pytest.raises(UserError) as ei:
            grant_consent(session, mid, decisions(offers=True), cipher=cipher_for(vault))
        assert ei.value.key == "consent.member_restricted"  # rule: RIG-5
        _both_languages(ei.value)
    with pytest.raises(UserError), manager.write("consent.test", "member", mid) as tx:
        record_consent(
            tx, manager, mid, default_notice("zh_CN"), {"offers": True}, kind="grant", method="screen"
        )  # rule: RIG-5
    assert manager.db.scalar("SELECT count(*) FROM disclosures") == 0
    # refusing is not processing: a withdrawal still works (CON-3)
    from app.consent.service import withdraw_consent

    withdraw_consent(manager, mid, "marketing")


# -- property-based: members, minors, restrictions and notices changing between steps ----------------------
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.booleans(), st.booleans(), st.booleans()),  # minor?, guardian?, marketing?
        st.tuples(st.just("restrict"), st.integers(0, 5)),
        st.tuples(st.just("notice"), st.sampled_from(["marketing", "offers", "delivery"])),
        st.tuples(st.just("reconsent"), st.integers(0, 5), st.booleans()),  # guardian given?
        st.tuples(st.just("disclose"), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_consent_invariants_hold_whatever_the_order(clerk, manager, vault, steps):
    from app.consent.service import consent_active

    db = manager.db
    with manager.write("test.reset", "store", "x") as tx:
        tx.execute("DELETE FROM disclosures")
    members: list[str] = list(r[0] for r in db.all("SELECT id FROM members ORDER BY rowid"))
    versions = db.scalar("SELECT count(DISTINCT version) FROM notices") or 1
    for step in steps:
        op = step[0]
        try:
            if op == "register":
                _, minor, with_guardian, marketing = step
                n = db.scalar("SELECT count(*) FROM members")
                res = register(
                    clerk,
                    vault,
                    mobile=f"137{n:08d}",
                    granted={"marketing": marketing, "delivery": True},
                    values={"address": "上海市黄浦区南京东路一号"},
                    minor=minor,
                    guardian=GUARDIAN if with_guardian else None,
                )
                assert not minor or with_guardian  # rule: CON-4
                members.append(res["id"])
            elif op == "restrict" and members:
                mid = members[step[1] % len(members)]
                if not R.member_exists(db, mid) or db.scalar("SELECT restricted FROM members WHERE id = ?", (mid,)):
                    continue
                _restrict(manager, mid)
            elif op == "notice":
                versions += 1
                zh, en = _new_version({step[1]: {"retention": f"（{versions}）"}}, version=f"2026.{versions}")
                import_notice(manager, zh, en)
            elif op == "reconsent" and members:
                mid = members[step[1] % len(members)]
                grant_consent(
                    clerk,
                    mid,
                    decisions(marketing=True, delivery=True),
                    kind="reconsent",
                    cipher=cipher_for(vault),
                    guardian=GUARDIAN if step[2] else None,
                )
                assert step[2] or not R.minor_now(db, mid, clerk.clock.now().date())  # rule: CON-4
                assert not db.scalar("SELECT restricted FROM members WHERE id = ?", (mid,))  # rule: RIG-5
            elif op == "disclose" and members:
                mid = members[step[1] % len(members)]
                disclose(clerk, mid, "logistics", "顺丰速运", ["delivery_address"])
                assert not db.scalar("SELECT restricted FROM members WHERE id = ?", (mid,))  # rule: RIG-5
                assert consent_active(db, mid, "delivery", clerk.clock.now().date().isoformat())  # rule: CON-5
        except UserError as exc:
            _both_languages(exc)
        today = manager.clock.now().date().isoformat()
        selected = set(select_members_for_purpose(manager, "marketing"))
        for mid in selected:
            assert not db.scalar("SELECT restricted FROM members WHERE id = ?", (mid,))  # rule: RIG-5
            assert consent_active(db, mid, "marketing", today)  # rule: CON-5
    for (mid,) in db.all("SELECT id FROM members WHERE is_minor = 1"):
        assert (
            db.scalar(
                "SELECT count(*) FROM consent_records WHERE member_id = ? AND kind != 'withdrawal' AND guardian_consent = 0",
                (mid,),
            )
            == 0
        )  # rule: CON-4


# -- CON-4: a guardian files a request for the child ---------------------------------------------------------
def test_a_guardian_files_a_request_for_a_child_with_both_identities(clerk, manager, vault, paths):
    from app.erasure import erase_member
    from app.requests import guardian_applicant, open_request, record_guardian_applicant

    kid = register(clerk, vault, values={"birth_date": CHILD_BIRTH}, guardian=GUARDIAN)["id"]
    adult = register(clerk, vault, mobile="13900000030", values={"birth_date": "1990-01-01"})["id"]
    kw = dict(guardian_name="张建国", relation="father", guardian_identity="id_card_sighted", cipher=cipher_for(vault))
    rid = open_request(clerk, "access", kid, identity_method="id_card_sighted")
    for bad in ({"child_identity": "looked_young"}, {"child_identity": "birth_certificate", "relation": "friend"}):
        with pytest.raises(ValidationError):
            record_guardian_applicant(clerk, rid, **{**kw, "child_identity": "birth_certificate", **bad})
    record_guardian_applicant(clerk, rid, child_identity="birth_certificate", **kw)
    assert guardian_applicant(clerk.db, rid)["child_identity"] == "birth_certificate"  # rule: CON-4
    row = clerk.db.one(
        "SELECT guardian_name_enc, guardian_identity FROM request_guardians WHERE request_id = ?", (rid,)
    )
    assert "张建国" not in row[0] and row[1] == "id_card_sighted"  # rule: CON-4
    with pytest.raises(UserError) as ei:
        record_guardian_applicant(clerk, rid, child_identity="birth_certificate", **kw)
    assert ei.value.key == "requests.guardian_already"
    rid2 = open_request(clerk, "access", adult, identity_method="id_card_sighted")
    with pytest.raises(UserError) as ei:
        record_guardian_applicant(clerk, rid2, child_identity="id_card_sighted", **kw)
    assert ei.value.key == "requests.guardian_not_minor"  # rule: CON-4
    _both_languages(ei.value)
    erase_member(manager, kid, reason="test", ledger_path=paths.erasure_ledger)
    assert clerk.db.scalar("SELECT count(*) FROM request_guardians") == 0
