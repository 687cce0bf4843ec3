"""Importing this package registers every page (each module calls registry.register_page)."""

from ui.pages import (
    home_page,  # noqa: F401
    members_page,  # noqa: F401
    notices_page,  # noqa: F401
    originals_page,  # noqa: F401
    print_documents_page,  # noqa: F401
    requests_page,  # noqa: F401
    retention_page,  # noqa: F401
    scans_page,  # noqa: F401
    settings_page,  # noqa: F401
    sync_page,  # noqa: F401
)
