"""Request signing shared by the store client and head office (SEC-3).

Every request after enrolment carries: X-MD-Store, X-MD-Timestamp (unix seconds, the store's
clock corrected by the measured offset), X-MD-Nonce (random), X-MD-Signature: Ed25519 over
`MD1\\n{METHOD}\\n{path}\\n{store}\\n{timestamp}\\n{nonce}\\n{sha256(body) hex}`.
Receipts for executed erasure orders are signed over canonical JSON with the same key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

H_STORE = "x-md-store"
H_TS = "x-md-timestamp"
H_NONCE = "x-md-nonce"
H_SIG = "x-md-signature"
MAX_SKEW_SECONDS = 300


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def load_private(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_text(key: Ed25519PrivateKey) -> str:
    return b64(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def load_public(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(unb64(text))


def canonical(method: str, path: str, store: str, ts: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join(["MD1", method.upper(), path, store, ts, nonce, digest]).encode("utf-8")


def sign_headers(key: Ed25519PrivateKey, method: str, path: str, store: str, now: float, body: bytes) -> dict[str, str]:
    ts = str(int(now))
    nonce = secrets.token_hex(16)
    sig = key.sign(canonical(method, path, store, ts, nonce, body))
    return {H_STORE: store, H_TS: ts, H_NONCE: nonce, H_SIG: b64(sig)}


def verify(
    pub: Ed25519PublicKey, method: str, path: str, store: str, ts: str, nonce: str, body: bytes, signature: str
) -> bool:
    try:
        pub.verify(unb64(signature), canonical(method, path, store, ts, nonce, body))
        return True
    except (InvalidSignature, ValueError):
        return False


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_receipt(key: Ed25519PrivateKey, receipt: dict) -> str:
    return b64(key.sign(canonical_json(receipt)))


def verify_receipt(pub: Ed25519PublicKey, receipt: dict, signature: str) -> bool:
    try:
        pub.verify(unb64(signature), canonical_json(receipt))
        return True
    except (InvalidSignature, ValueError):
        return False
