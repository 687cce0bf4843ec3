"""Sealing to an X25519 public key (ECIES): ephemeral X25519 + HKDF-SHA256 + AES-GCM (SEN-3).

Anyone holding the recipient's public key can seal; only the private key opens. Used for
  - sensitive field values, sealed to the store's field public key (app.storage.fieldcrypt), so a clerk's
    session can store an ID number or a signature without being able to read it back;
  - the store's field private key itself, sealed to each manager slot's and the recovery slot's public
    key (app.storage.keyslots); a slot's key pair is derived from its password- or recovery-derived key.

Blob layout: MAGIC(4) | ephemeral public key (32) | nonce (12) | AES-GCM ciphertext + tag.
The AES key is HKDF-SHA256(shared secret, salt = ephemeral pub || recipient pub, info = INFO).
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"MDs1"
INFO = b"memberdesk-sealed-v1"
_RAW = serialization.Encoding.Raw


class SealError(Exception):
    """A sealed blob that does not open with this key and AAD (wrong key, wrong place, damaged)."""


def new_private_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def derive_private_key(secret: bytes, info: bytes) -> X25519PrivateKey:
    """A key pair derived from a 32-byte secret (a slot's key-encryption key)."""
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"memberdesk-x25519", info=info).derive(secret)
    return X25519PrivateKey.from_private_bytes(seed)


def public_bytes(key: X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def private_bytes(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def load_private_key(raw: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(raw)


def _aes_key(shared: bytes, eph_pub: bytes, recipient_pub: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_pub + recipient_pub, info=INFO).derive(shared)


def seal(recipient_pub: bytes, plaintext: bytes, aad: bytes) -> bytes:
    eph = X25519PrivateKey.generate()
    eph_pub = public_bytes(eph)
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_pub))
    nonce = secrets.token_bytes(12)
    ct = AESGCM(_aes_key(shared, eph_pub, recipient_pub)).encrypt(nonce, plaintext, aad)
    return MAGIC + eph_pub + nonce + ct


def is_sealed(blob: bytes) -> bool:
    return bytes(blob[:4]) == MAGIC


def open_sealed(key: X25519PrivateKey, blob: bytes, aad: bytes) -> bytes:
    if not is_sealed(blob) or len(blob) < 4 + 32 + 12 + 16:
        raise SealError("not a sealed blob")
    eph_pub, nonce, ct = bytes(blob[4:36]), bytes(blob[36:48]), bytes(blob[48:])
    try:
        shared = key.exchange(X25519PublicKey.from_public_bytes(eph_pub))
        return AESGCM(_aes_key(shared, eph_pub, public_bytes(key))).decrypt(nonce, ct, aad)
    except (InvalidTag, ValueError) as exc:
        raise SealError("sealed blob does not open") from exc
