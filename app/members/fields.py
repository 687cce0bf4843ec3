"""Optional member fields, the purpose each belongs to, and how each is shown masked (SEN-3).

Core fields (name, mobile, birth date) live on the members row; every optional field lives in
member_fields, sealed with app.storage.fieldcrypt (AAD member_fields.value_enc:<row id>): any session writes
them, only a manager's step-up (app.access.vault.Vault.step_up) reads them.
"""

from __future__ import annotations

# the name mask lives in app.members.display (one function for every clerk-facing list); re-exported here
from app.members.display import COMPOUND_SURNAMES as COMPOUND_SURNAMES, mask_name as mask_name
from app.storage.fieldcrypt import register_blob_column, register_column

# field -> purpose code whose consent allows collecting it (MIN-1..3)
FIELD_PURPOSE = {
    "name": "membership",
    "mobile": "membership",
    "birth_date": "membership",
    "address": "delivery",
    "id_number": "instalment",
    "face_feature": "face_payment",
    "skin_notes": "skin_analysis",
}
CORE_FIELDS = ("name", "mobile", "birth_date")
OPTIONAL_FIELDS = ("address", "id_number", "face_feature", "skin_notes")
SENSITIVE_FIELDS = ("id_number", "face_feature", "skin_notes")
# fields a manager may reveal (the face feature code is never displayed)
REVEALABLE = ("id_number", "skin_notes", "address", "mobile")

# SEN-3 (issue #14): the optional fields (ID number, face feature code, skin notes; the address with them, as a
# clerk only ever sees it masked) and the captured signatures are sealed to the store's field public key: a
# clerk's session stores them but only a manager's step-up opens them. A guardian's name stays under the field
# key (not sensitive information; the consent record's screens may show it).
register_column("member_fields", "id", "value_enc", sealed=True)
register_column("consent_records", "id", "guardian_name_enc")
register_blob_column("consent_evidence", "id", "data", sealed=True)


def mask_mobile(v: str | None) -> str:
    if not v:
        return ""
    return v[:3] + "****" + v[-4:] if len(v) >= 8 else "*" * len(v)


def mask_id_number(v: str | None) -> str:
    if not v:
        return ""
    return v[:6] + "*" * (len(v) - 10) + v[-4:] if len(v) > 10 else "*" * len(v)


def mask_address(v: str | None) -> str:
    if not v:
        return ""
    return v[:6] + "****" if len(v) > 6 else v[:2] + "****"


def mask(field: str, value: str | None) -> str:
    if value is None:
        return ""
    if field == "mobile":
        return mask_mobile(value)
    if field == "id_number":
        return mask_id_number(value)
    if field == "name":
        return mask_name(value)
    if field == "address":
        return mask_address(value)
    if field == "face_feature":
        return "********"
    if field == "skin_notes":
        return "******"
    return value
