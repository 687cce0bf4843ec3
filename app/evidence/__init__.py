"""The evidence pack (issue #19): model, PDF, bundle; the store's producer (`store_pack`). Head office's
producer is headoffice/evidence.py over the same model and renderer."""

from app.evidence.model import EvidencePack
from app.evidence.store_pack import EVIDENCE_PACK, build_store_pack
from app.evidence.summary import journal_summaries

__all__ = ["EVIDENCE_PACK", "EvidencePack", "build_store_pack", "journal_summaries"]
