"""Shared helpers for the registration tests (issue #3)."""

from app.flows.enrolment import register_member
from app.members.service import cipher_for
from app.members.validation import id_check_digit
from app.notices import default_notice


def signature_png(width: int = 240, height: int = 80) -> bytes:
    """A PNG as the signature pad draws it (decodable: SEN-1 checks that), with a marker text chunk."""
    import io

    from PIL import Image, ImageDraw
    from PIL.PngImagePlugin import PngInfo

    img = Image.new("L", (width, height), 255)
    ImageDraw.Draw(img).line([(10, height - 20), (width // 2, 15), (width - 10, height - 25)], fill=0, width=3)
    info = PngInfo()
    info.add_text("strokes", "signature-strokes" * 4)
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


PNG = signature_png()


def id_number(first17="44030119900307123"):
    return first17 + id_check_digit(first17)


def decisions(**granted):
    d = {p.code: False for p in default_notice("zh_CN").purposes}
    d["membership"] = True
    d.update(granted)
    return d


def register(session, vault, name="张伟", mobile="13812345678", granted=None, values=None, **kw):
    v = {"name": name, "mobile": mobile}
    v.update(values or {})
    if not v.get("birth_date"):
        kw.setdefault("minor", False)  # the answer to "is the customer under 14" (CON-4)
    return register_member(
        session,
        cipher_for(vault),
        notice=default_notice("zh_CN"),
        decisions=decisions(**(granted or {})),
        values=v,
        **kw,
    )


def register_on_paper(session, vault, serial, mobile="13912340001", name="王秀英") -> str:
    """A member registered through the flow from signed paper form `serial` (membership only). Returns the id."""
    from app.flows.registration import RegistrationFlow

    f = RegistrationFlow(session, method="paper")
    f.set_form(serial)
    f.next()
    f.decide("membership", True)
    f.next()
    f.set_value("name", name)
    f.set_value("mobile", mobile)
    f.set_under_14(False)
    f.next()
    f.confirm_paper_signed(True)
    return f.submit(cipher_for(vault))["id"]
