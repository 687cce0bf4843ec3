"""Sync with head office (issue 8): signed store client, change-journal upload, feed download.

from app.sync import SyncEngine, SyncError, sync_status, sync_log, register_feed_handler
"""

from app.sync.engine import SyncEngine  # noqa: F401
from app.sync.feeds import register_feed_handler, register_scan_hash_source  # noqa: F401
from app.sync.state import pending_count, sync_log, sync_status  # noqa: F401
from app.sync.transport import SyncError, Transport  # noqa: F401
