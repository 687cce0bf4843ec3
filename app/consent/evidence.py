"""Evidence of a consent (CON-1, CON-4, SEN-1, SEN-2): what a consent record may name as its proof.

- A screen signature (SEN-1) is a PNG the signature pad drew: it must decode as a PNG of a plausible size; it is
  stored encrypted by `app.consent.service.record_consent`.
- A paper form (CON-1): `evidence_ref` is the serial of a form issued by this store (table `form_serials`), and
  each granted sensitive purpose needs the clerk's confirmation of its separate signature on the form. Any other
  `evidence_ref` (a free text, a serial nobody issued, a reference on a screen consent) is refused.
- A minor under 14 (CON-4): the guardian's name, relation and consent; a sensitive purpose of a minor also needs
  the guardian's separate consent to it (PIPL Art. 28, 31).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from app.errors import UserError, ValidationError
from app.members import validation as V
from app.messages import add_messages
from app.printing.serials import get_form_serial

if TYPE_CHECKING:
    from app.notices import Notice
    from app.storage.db import Queries

MAX_SIGNATURE_BYTES = 2_000_000
SIGNATURE_MIN = (40, 20)  # width, height in pixels of the smallest pad
SIGNATURE_MAX = (4000, 2000)

add_messages(
    {
        "consent.signature_invalid": (
            "签名图像无法读取，请让顾客在签名板上重新签名。",
            "The signature image cannot be read: ask the customer to sign on the pad again.",
        ),
        "consent.evidence_ref_invalid": (
            "同意的凭证无效：只有本店发出的纸质登记表编号可以作为凭证。",
            "The consent's evidence is not valid: only the serial of a paper form issued by this store can be one.",
        ),
        "consent.guardian_sensitive_required": (
            "该会员未满14周岁，“{purpose}”须由监护人另行单独同意。",
            "This member is under 14: “{purpose}” needs the guardian's own separate consent.",
        ),
        "consent.minor_unknown": (
            "请填写出生日期，或回答“顾客是否未满14周岁”（顾客可以不提供出生日期，但这一问题必须回答）。",
            "Enter the birth date or answer “Is the customer under 14?” (the customer may decline the birth "
            "date, not the question).",
        ),
    }
)


def check_signature_png(data: Any, purpose: str = "") -> bytes:
    """The bytes of a screen signature, refused unless they decode as a PNG of a signature pad's size (SEN-1)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValidationError("consent.signature_invalid", field=f"signature_{purpose}")
    raw = bytes(data)
    if not raw or len(raw) > MAX_SIGNATURE_BYTES:
        raise ValidationError("consent.signature_invalid", field=f"signature_{purpose}")
    try:
        with Image.open(io.BytesIO(raw)) as img:
            fmt, (w, h) = img.format, img.size
            img.load()  # decodes every row: a PNG header on other bytes fails here
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError("consent.signature_invalid", field=f"signature_{purpose}") from None
    if fmt != "PNG" or not (SIGNATURE_MIN[0] <= w <= SIGNATURE_MAX[0] and SIGNATURE_MIN[1] <= h <= SIGNATURE_MAX[1]):
        raise ValidationError("consent.signature_invalid", field=f"signature_{purpose}")
    return raw


def check_evidence(
    db: Queries,
    notice: Notice,
    granted: Iterable[str],
    *,
    method: str,
    evidence_ref: str | None,
    signatures: dict[str, bytes],
    paper_signed: Iterable[str] | None,
    store_code: str,
) -> None:
    """SEN-1 and CON-1, the one check of a consent's evidence, whatever the path: a paper consent names a form
    this store issued and confirms every granted sensitive purpose's signature on it; any other method names
    no reference and brings a decodable signature for each granted sensitive purpose."""
    granted = set(granted)
    if method == "paper":
        form = get_form_serial(db, evidence_ref or "") if evidence_ref else None
        if form is None or form.get("store_code") != store_code:
            raise ValidationError("consent.evidence_ref_invalid", field="evidence_ref")
        signed = set(paper_signed or ())
        for code in sorted(granted):
            p = notice.purpose(code)
            if p is not None and p.sensitive and code not in signed:
                raise ValidationError(
                    "member.paper_sensitive_unsigned", field=f"paper_sensitive_{code}", purpose=p.title
                )
        return
    for code in sorted(granted):
        p = notice.purpose(code)
        if p is None or not p.sensitive:
            continue
        if not signatures.get(code):
            raise UserError("consent.sensitive_needs_signature", purpose=p.title)
        check_signature_png(signatures[code], code)
    if evidence_ref:  # a reference is no evidence of a screen consent (a form number, a free text)
        raise ValidationError("consent.evidence_ref_invalid", field="evidence_ref")


def clean_guardian(guardian: dict | None, notice: Notice, granted: Iterable[str]) -> dict:
    """CON-4: a minor's consent needs the guardian's name, relation and consent (`consent` true); each granted
    sensitive purpose needs the guardian's separate consent to it (`sensitive`: its codes). Returns the clean
    {"name", "relation", "sensitive": sorted codes}."""
    g = guardian or {}
    if not str(g.get("name") or "").strip() or not g.get("consent"):
        raise ValidationError(
            "member.guardian_required", field="guardian_name" if g.get("consent") else "guardian_confirmed"
        )
    clean: dict[str, Any] = {
        "name": V.name(g["name"], field="guardian_name"),
        "relation": V.guardian_relation(g.get("relation")),
    }
    separate = set(g.get("sensitive") or ())
    sens = sorted(c for c in set(granted) if (p := notice.purpose(c)) is not None and p.sensitive)
    for code in sens:
        if code not in separate:
            p = notice.purpose(code)
            raise ValidationError(
                "consent.guardian_sensitive_required",
                field=f"guardian_sensitive_{code}",
                purpose=p.title if p else code,
            )
    clean["sensitive"] = sens
    return clean
