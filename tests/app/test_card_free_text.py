"""PAY-1 on every free-text field that can reach the database, after Unicode normalisation (issue #15); and the
POS import refuses future-dated purchases like manual entry does (RET-2)."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app import requests as R
from app.disclosures import disclose
from app.errors import ValidationError
from app.purchases.cards import card_field, check_free_text, looks_like_card, luhn_ok, normalise
from app.purchases.pos_import import import_pos_file
from app.purchases.records import record_purchase
from app.service_records import open_record
from tests.factories import make_member
from tests.retention_helpers import grant_consent


def luhn_complete(body: str) -> str:
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


FULL = {str(i): chr(0xFF10 + i) for i in range(10)}  # full-width digits
SEPARATORS = [
    " ",
    "-",
    "\u3000",
    "\u00a0",
    "\u2009",
    "\u2013",
    "\u2014",
    "\u2212",
    "\uff0d",
    "\ufe63",
    "\t",
    "\u200b",
    "",
]

cards = st.builds(
    lambda body: luhn_complete(body),
    st.text(alphabet="0123456789", min_size=12, max_size=18).filter(lambda b: b[0] != "0"),
)


@st.composite
def disguised(draw):
    """A valid card number written the ways a clerk or a POS might: mixed widths, grouped by any spaces or dashes."""
    number = draw(cards)
    out = []
    for i, d in enumerate(number):
        out.append(FULL[d] if draw(st.booleans()) else d)
        if i < len(number) - 1 and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
    prefix = draw(st.sampled_from(["", "卡号：", "card ", "顾客说 ", "（"]))
    suffix = draw(st.sampled_from(["", "。", " 尾号", "）"]))
    return number, prefix + "".join(out) + suffix


@settings(max_examples=400, deadline=None)
@given(disguised())
def test_property_a_card_number_is_found_whatever_its_width_spaces_or_dashes(case):
    number, text = case
    assert looks_like_card(text)  # rule: PAY-1
    assert card_field(["goods_type", "note"], ["服装", text]) == "note"  # rule: PAY-1
    with pytest.raises(ValidationError) as exc:
        check_free_text({"body": text})  # rule: PAY-1
    assert exc.value.key == "card.number_in_text" and number not in str(exc.value.params)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=12), st.sampled_from(SEPARATORS))
def test_property_short_numbers_are_not_cards(digits, sep):
    # fewer than 13 digits (a mobile number, an order number) is never a card
    text = sep.join(FULL[d] if i % 2 else d for i, d in enumerate(digits))
    assert not looks_like_card(text) and not looks_like_card("手机 " + text)


def test_normalise_reads_full_width_and_unicode_separators():
    assert normalise("４１１１\u3000１１１１–１１１１\u200b1111") == "4111 1111-11111111"
    assert normalise("ab  --  cd") == "ab cd"
    assert normalise("٤١١١") == "4111"  # other scripts' decimal digits too


def test_every_free_text_field_refuses_a_card_number(manager, clerk, clock):
    card = "６２２２ ０２０２\u3000" + luhn_complete("62220202123456")[8:]
    assert looks_like_card(card)
    mid = make_member(manager)
    grant_consent(manager, mid, "delivery")
    before = manager.db.scalar("SELECT count(*) FROM audit_log")
    calls = {
        "service record": lambda: open_record(clerk, mid, "complaint", f"顾客投诉扣款，卡号 {card}"),
        "disclosure recipient": lambda: disclose(clerk, mid, "logistics", f"顺丰 {card}", ["delivery_address"]),
        "disclosure reference": lambda: disclose(clerk, mid, "logistics", "顺丰", ["delivery_address"], reference=card),
        "purchase goods": lambda: record_purchase(clerk, mid, amount="10", goods_type=card),
    }
    rid = R.open_request(clerk, "access", mid)
    calls.update(
        {
            "pause reason": lambda: R.pause(clerk, rid, f"顾客报卡号 {card}", waits_for="clarification"),
            "extension reason": lambda: R.extend(manager, rid, 3, card),
            "refusal reason": lambda: R.refuse(manager, rid, card, "《个人信息保护法》"),
            "legal basis": lambda: R.refuse(manager, rid, "理由", card),
            "restriction lift reason": lambda: R.lift_restriction(manager, mid, card),
        }
    )
    for name, call in calls.items():
        with pytest.raises(ValidationError) as exc:
            call()
        assert exc.value.key in ("card.number_in_text", "purchase.card_number"), name  # rule: PAY-1
    digits = "".join(ch for ch in normalise(card) if ch.isdigit())
    for table in ("service_records", "disclosures", "request_events", "purchases", "audit_log", "change_journal"):
        for row in manager.db.all(f"SELECT * FROM {table}"):
            text = "".join(ch for ch in normalise(" ".join(str(v) for v in row)) if ch.isdigit() or ch == "|")
            assert digits not in text, table  # rule: PAY-1
    assert manager.db.scalar("SELECT count(*) FROM audit_log") == before + 2  # the request opened + its member audit


HEADER = "交易号,会员号,交易时间,金额,商品类别,支付方式,支付流水号,优惠券"


def test_pos_import_refuses_future_dated_rows_and_full_width_card_numbers(manager, tmp_path, clock):
    mid = make_member(manager)
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))
    now = clock.now()
    soon = (now + dt.timedelta(minutes=3)).strftime("%Y-%m-%d %H:%M:%S")
    later = (now + dt.timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%S")
    far = "2099-01-01 10:00:00"
    card = "４１１１\u3000１１１１\u3000１１１１\u3000１１１１"
    rows = [
        f"T1,{no},2026-10-01 10:00:00,10,,,,",
        f"T2,{no},{soon},10,,,,",  # within the clock tolerance: kept
        f"T3,{no},{later},10,,,,",
        f"T4,{no},{far},10,,,,",
        f"T5,{no},2026-10-01 10:00:00,10,{card},,,",
    ]
    f = tmp_path / "pos.csv"
    f.write_text(HEADER + "\r\n" + "\r\n".join(rows) + "\r\n", "utf-8")
    res = import_pos_file(manager, f)
    assert res.accepted == 2
    assert res.rejected == [
        (4, "future", "time"),
        (5, "future", "time"),
        (6, "card_number", "goods_type"),
    ]  # rule: RET-2
    assert manager.db.scalar("SELECT max(purchased_at) FROM purchases") < "2026-11-03"  # rule: RET-2
    with pytest.raises(ValidationError):
        record_purchase(manager, mid, amount="1", purchased_at=far)  # the counter refuses it the same way


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(6, 10**7))
def test_property_no_future_purchase_reaches_the_store(manager, tmp_path, clock, minutes):
    mid = make_member(manager)
    no = manager.db.scalar("SELECT member_no FROM members WHERE id = ?", (mid,))
    when = clock.now() + dt.timedelta(minutes=minutes)
    if when.year > 2100:
        return
    f = tmp_path / f"pos-{minutes}.csv"
    f.write_text(f"{HEADER}\r\nF{minutes},{no},{when.strftime('%Y-%m-%d %H:%M:%S')},10,,,,\r\n", "utf-8")
    res = import_pos_file(manager, f)
    assert res.accepted == 0 and res.rejected == [(2, "future", "time")]  # rule: RET-2


def test_an_insurers_authorisation_is_evidence_not_a_choice(clerk, manager):
    """SHR-1: the method alone (screen / signature / paper) is not enough: a scan of this member's authorisation
    or the signed document's number must be named; another member's scan or a made-up value is refused."""
    from app.disclosures import export_disclosures

    mid, other = make_member(manager), make_member(manager)
    grant_consent(manager, mid, "warranty")
    with manager.db.transaction() as c:  # a scanned document of each member (the scans domain's rows)
        c.execute(
            "INSERT INTO scan_batches(id, imported_at, source, file_sha256, file_kind, page_count)"
            " VALUES ('b1', '2026-11-01', 'file', 'ab', 'png', 2)"
        )
        for doc, member in (("d-mine", mid), ("d-other", other)):
            c.execute(
                "INSERT INTO scan_documents(id, batch_id, member_id, status, page_count, content_sha256, created_at)"
                " VALUES (?, 'b1', ?, 'matched', 1, ?, '2026-11-01')",
                (doc, member, doc * 4),
            )
    base = {"reference": "SO-9", "authorisation": "paper"}
    for evidence in (
        None,
        "",
        "signed",
        "scan:d-other",
        "scan:nope",
        "doc:x",
        "doc:" + "４１１１１１１１１１１１１１１１",
        "url:http",
    ):
        with pytest.raises(ValidationError) as exc:
            disclose(clerk, mid, "insurer", "平安保险", ["order_no", "product"], evidence=evidence, **base)
        assert exc.value.key in ("disclosure.evidence_invalid", "card.number_in_text"), evidence  # rule: SHR-1
    assert export_disclosures(manager.db, mid) == []  # rule: SHR-1
    disclose(clerk, mid, "insurer", "平安保险", ["order_no", "product"], evidence="scan:d-mine", **base)
    disclose(clerk, mid, "insurer", "平安保险", ["order_no", "product"], evidence="ＤＯＣ：WA-2026-0001", **base)
    refs = sorted(d["authorisation_ref"] for d in export_disclosures(manager.db, mid))
    assert refs == ["doc:WA-2026-0001", "scan:d-mine"]  # rule: SHR-1
