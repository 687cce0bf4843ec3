"""The evidence pack (issue #19): model, PDF, bundle; the store's producer (`store_pack`). Head office's
producer is headoffice/evidence.py over the same model and renderer."""

from app.evidence.store_pack import EVIDENCE_PACK, EvidencePack, build_store_pack

__all__ = ["EVIDENCE_PACK", "EvidencePack", "build_store_pack"]
