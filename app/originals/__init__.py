"""Register of paper originals: cabinet, custodian, 30-working-day destruction, witnessed record (STO-2, STO-3);
forms registered on paper but not scanned yet."""

from app.originals.destruction import destroy_batch, destruction_record_pdf  # noqa: F401
from app.originals.summary import DueSummary, originals_due_summary  # noqa: F401
from app.originals.tracking import check_in, check_out, counts, list_originals, recompute_due_dates, set_location  # noqa: F401
from app.originals.unscanned import list_unscanned, unscanned_counts  # noqa: F401
