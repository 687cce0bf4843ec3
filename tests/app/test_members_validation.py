import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from app.errors import ValidationError
from app.members import validation as V
from app.members.fields import mask_id_number, mask_mobile, mask_name
from tests.app.regdata import id_number

TODAY = dt.date(2026, 11, 2)


@pytest.mark.parametrize("raw", ["13812345678", "138 1234 5678", "+86 199-1234-5678", "14512345678"])
def test_valid_mobiles(raw):
    assert len(V.mobile(raw)) == 11


@pytest.mark.parametrize(
    "raw", ["", "1381234567", "12012345678", "11112345678", "10012345678", "1381234567x", "154123456789", "16012345678"]
)
def test_invalid_mobiles(raw):
    with pytest.raises(ValidationError) as ei:
        V.mobile(raw)
    assert ei.value.field == "mobile"
    assert raw.strip() == "" or raw not in ei.value.message("zh_CN")  # message never echoes the value


@pytest.mark.parametrize("raw", ["王芳", "欧阳娜娜", "阿依古丽·买买提", "John Smith", "O'Neil", "Anne-Marie Li"])
def test_valid_names(raw):
    assert V.name(raw)


@pytest.mark.parametrize("raw", ["", "王", "张3", "<script>", "·王芳", "a" * 31, "王芳\n"])
def test_invalid_names(raw):
    if raw == "王芳\n":
        assert V.name(raw) == "王芳"  # surrounding whitespace is trimmed
        return
    with pytest.raises(ValidationError):
        V.name(raw)


def test_id_number_checksum_and_birth():
    good = id_number()
    assert V.id_number(good, "1990-03-07", TODAY) == good
    assert V.id_number(good.lower(), None, TODAY) == good
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as ei:
        V.id_number(bad_check, None, TODAY)
    assert ei.value.key == "member.id_number_checksum"
    with pytest.raises(ValidationError) as ei:
        V.id_number(good, "1990-03-08", TODAY)  # differs from the birth date entered
    assert ei.value.key == "member.id_number_birth"
    with pytest.raises(ValidationError) as ei:
        V.id_number(id_number("44030119901332123"), None, TODAY)  # month 13
    assert ei.value.key == "member.id_number_birth"
    with pytest.raises(ValidationError):
        V.id_number(id_number("99030119900307123"), None, TODAY)  # no such province
    with pytest.raises(ValidationError):
        V.id_number("4403011990030712", None, TODAY)


def test_birth_date_and_minor():
    assert V.birth_date("2012-11-03", TODAY) == "2012-11-03"
    assert V.is_under_14("2012-11-03", TODAY)
    assert not V.is_under_14("2012-11-02", TODAY)
    assert V.birth_date("2010/01/01", TODAY) == "2010-01-01"  # issue #20: the usual Chinese forms are accepted
    for bad in ("2027-01-01", "1899-12-31", "2010/01/32", "2010-02-30"):
        with pytest.raises(ValidationError):
            V.birth_date(bad, TODAY)


def test_face_feature_never_an_image():
    assert V.face_feature("ab" * 64)
    with pytest.raises(ValidationError):
        V.face_feature(b"\x89PNG\r\n\x1a\n" + b"0" * 64)  # rule: SEN-2
    with pytest.raises(ValidationError):
        V.face_feature((b"\xff\xd8\xff\xe0" + b"0" * 60).hex())  # rule: SEN-2
    import base64

    with pytest.raises(ValidationError):
        V.face_feature(base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 60).decode())  # rule: SEN-2
    with pytest.raises(ValidationError):
        V.face_feature("data:image/png;base64,iVBORw0KGgo" + "A" * 40)  # rule: SEN-2


def test_masks():
    assert mask_mobile("13812345678") == "138****5678"  # rule: SEN-3
    assert mask_id_number("440301199003071234") == "440301********1234"  # rule: SEN-3
    # issue #20: first and last character stay so a clerk can check a hit (UX.md); more in test_members_display.py
    assert (
        mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧阳*娜" and mask_name("王小明") == "王*明"
    )  # rule: SEN-3


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_fuzzed_fields_raise_only_validation_errors(s):
    for fn in (V.name, V.mobile, V.address, V.face_feature, V.skin_notes):
        try:
            fn(s)
        except ValidationError as exc:
            assert exc.message("zh_CN") and exc.message("en")
    try:
        V.id_number(s, None, TODAY)
    except ValidationError:
        pass
    try:
        V.birth_date(s, TODAY)
    except ValidationError:
        pass
