"""Field validation for member data. Each check returns the normalised value or raises
ValidationError(key, field=...) whose message (zh_CN/en) is shown next to the field.
Messages never echo the value typed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import re
import unicodedata

from PIL import Image, UnidentifiedImageError

from app.dates import parse_date
from app.errors import ValidationError
from app.messages import add_messages

add_messages(
    {
        "member.name_required": ("请填写姓名。", "Enter the name."),
        "member.name_invalid": (
            "姓名只能包含汉字、字母、间隔号（·）、空格、点、撇号或连字符，长度 2–30 个字符。",
            "A name has 2–30 Chinese characters or letters (with ·, spaces, dots, apostrophes or hyphens).",
        ),
        "member.mobile_required": ("请填写手机号。", "Enter the mobile number."),
        "member.mobile_invalid": (
            "手机号应为 11 位数字，以有效的号段开头（如 138、150、199）。",
            "A mobile number has 11 digits and starts with a valid prefix (e.g. 138, 150, 199).",
        ),
        "member.birth_date_invalid": (
            "出生日期请写成 2010-05-31、2010/5/31 或 2010年5月31日，且不能晚于今天、不能早于 1900 年。",
            "A birth date looks like 2010-05-31, 2010/5/31 or 20100531, not in the future and not before 1900.",
        ),
        "member.id_number_invalid": (
            "身份证号应为 18 位（最后一位可为 X），请核对。",
            "An ID number has 18 characters (the last may be X). Please check it.",
        ),
        "member.id_number_checksum": (
            "身份证号校验位不正确，请逐位核对。",
            "The ID number's check digit is wrong. Check each digit.",
        ),
        "member.id_number_birth": (
            "身份证号中的出生日期无效或与填写的出生日期不一致。",
            "The birth date inside the ID number is invalid or differs from the birth date entered.",
        ),
        "member.address_invalid": (
            "收货地址应为 5–120 个字符，包含省市区和详细地址。",
            "A delivery address has 5–120 characters including city, district and street.",
        ),
        "member.face_feature_invalid": (
            "人脸特征码无效。只接受人脸支付终端生成的特征码，不接受照片或图像。",
            "The face feature code is not valid. Only the code made by the face-payment "
            "terminal is accepted, never a photo or image.",
        ),
        "member.skin_notes_invalid": ("皮肤状况记录为 1–200 个字符。", "Skin notes have 1–200 characters."),
        "member.guardian_required": (
            "不满十四周岁的未成年人须由监护人同意：请填写监护人姓名和关系，并由监护人确认。",
            "A minor under 14 needs the guardian's consent: enter the guardian's name and "
            "relation, and the guardian confirms.",
        ),
        "member.guardian_relation_invalid": (
            "请选择监护人与顾客的关系。",
            "Choose the guardian's relation to the customer.",
        ),
    }
)

# Mobile number prefixes in use in mainland China (MIIT numbering plan: mobile, virtual operators, IoT excluded).
MOBILE_PREFIXES = frozenset(
    [f"13{d}" for d in range(10)]
    + ["145", "146", "147", "148", "149"]
    + ["150", "151", "152", "153", "155", "156", "157", "158", "159"]
    + ["162", "165", "166", "167"]
    + ["170", "171", "172", "173", "175", "176", "177", "178"]
    + [f"18{d}" for d in range(10)]
    + ["190", "191", "192", "193", "195", "196", "197", "198", "199"]
)
PROVINCE_CODES = frozenset(
    [
        11,
        12,
        13,
        14,
        15,
        21,
        22,
        23,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        41,
        42,
        43,
        44,
        45,
        46,
        50,
        51,
        52,
        53,
        54,
        61,
        62,
        63,
        64,
        65,
        71,
        81,
        82,
        83,
    ]
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
GUARDIAN_RELATIONS = ("father", "mother", "other_guardian")
_NAME_CHARS = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z·• .'\-]+$")
_HAS_LETTER = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return unicodedata.normalize("NFKC", value).strip()


def name(value: object, field: str = "name") -> str:
    v = re.sub(r"\s+", " ", _text(value)).replace("•", "·")
    if not v:
        raise ValidationError("member.name_required", field=field)
    if (
        not (2 <= len(v) <= 30)
        or not _NAME_CHARS.match(v)
        or not _HAS_LETTER.search(v[0])
        or not _HAS_LETTER.search(v[-1])
    ):
        raise ValidationError("member.name_invalid", field=field)
    return v


def mobile(value: object, field: str = "mobile") -> str:
    v = re.sub(r"[\s\-]", "", _text(value))
    if v.startswith("+86"):
        v = v[3:]
    elif v.startswith("0086"):
        v = v[4:]
    if not v:
        raise ValidationError("member.mobile_required", field=field)
    if not re.fullmatch(r"\d{11}", v) or v[:3] not in MOBILE_PREFIXES:
        raise ValidationError("member.mobile_invalid", field=field)
    return v


def birth_date(value: object, today: dt.date | None = None, field: str = "birth_date") -> str | None:
    v = _text(value)
    if not v:
        return None
    try:
        d = parse_date(v)  # 1990-05-03, 1990/5/3, 1990.5.3, 1990年5月3日， 19900503
    except ValueError:
        raise ValidationError("member.birth_date_invalid", field=field) from None
    today = today or dt.date.today()
    if d > today or d.year < 1900:
        raise ValidationError("member.birth_date_invalid", field=field)
    return d.isoformat()


def id_birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_number(value: object, birth: str | None = None, today: dt.date | None = None, field: str = "id_number") -> str:
    v = re.sub(r"\s", "", _text(value)).upper()
    if not re.fullmatch(r"\d{17}[\dX]", v) or int(v[:2]) not in PROVINCE_CODES:
        raise ValidationError("member.id_number_invalid", field=field)
    total = sum(int(c) * w for c, w in zip(v[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != v[17]:
        raise ValidationError("member.id_number_checksum", field=field)
    try:
        born = id_birth_date(v)
    except ValueError:
        raise ValidationError("member.id_number_birth", field=field) from None
    today = today or dt.date.today()
    if born > today or born.year < 1900 or (birth and born.isoformat() != birth):
        raise ValidationError("member.id_number_birth", field=field)
    return v


def id_check_digit(first17: str) -> str:
    """The check character for 17 digits (used by tests and the benchmark generator)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=False)) % 11]


def address(value: object, field: str = "address") -> str:
    v = re.sub(r"\s+", " ", _text(value))
    if not (5 <= len(v) <= 120) or _CONTROL.search(v) or not _HAS_LETTER.search(v):
        raise ValidationError("member.address_invalid", field=field)
    return v


_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"RIFF", b"II*\x00", b"MM\x00*", b"\x00\x00\x00\x0cjP")


def _decodes_as_image(raw: bytes) -> bool:
    """True when the bytes, or the bytes from any image signature inside them on, open as an image of a
    format Pillow knows (TGA and other formats without a signature included), or hold SVG text: decodability,
    not the leading bytes, decides (SEN-2)."""
    if b"<svg" in raw.lower() or raw.lstrip().startswith(b"<?xml"):
        return True
    starts = {0} | {i for m in _IMAGE_MAGIC for i in range(len(raw)) if raw.startswith(m, i)}
    for i in sorted(starts):
        try:
            with Image.open(io.BytesIO(raw[i:])):
                return True
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            continue
    return any(raw.startswith(m) for m in _IMAGE_MAGIC)


def face_feature(value: object, field: str = "face_feature") -> str:
    """A biometric feature code from the face-payment terminal: hex or base64 text (32–2048 characters) of a
    feature vector. Anything that decodes as an image, at any offset, or a data URL, is refused: a face image
    is never stored, only the derived code (SEN-2)."""
    if isinstance(value, (bytes, bytearray)):
        raise ValidationError("member.face_feature_invalid", field=field)
    v = re.sub(r"\s", "", _text(value))
    if not (32 <= len(v) <= 2048) or v.lower().startswith("data:"):
        raise ValidationError("member.face_feature_invalid", field=field)
    if re.fullmatch(r"[0-9a-fA-F]+", v) and len(v) % 2 == 0:
        raw = bytes.fromhex(v)
    else:
        try:
            raw = base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("member.face_feature_invalid", field=field) from None
    if len(raw) < 16 or _decodes_as_image(raw):
        raise ValidationError("member.face_feature_invalid", field=field)
    return v


def skin_notes(value: object, field: str = "skin_notes") -> str:
    v = _text(value)
    if not (1 <= len(v) <= 200) or _CONTROL.search(v):
        raise ValidationError("member.skin_notes_invalid", field=field)
    return v


def guardian_relation(value: object, field: str = "guardian_relation") -> str:
    v = _text(value)
    if v not in GUARDIAN_RELATIONS:
        raise ValidationError("member.guardian_relation_invalid", field=field)
    return v


def age_on(birth: str, today: dt.date) -> int:
    b = dt.date.fromisoformat(birth)
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def is_under_14(birth: str | None, today: dt.date) -> bool:
    if not birth:
        return False
    return age_on(birth, today) < 14


# field -> validator (one-argument form); the optional fields and the purpose that allows them
VALIDATORS = {
    "name": name,
    "mobile": mobile,
    "address": address,
    "face_feature": face_feature,
    "skin_notes": skin_notes,
}
