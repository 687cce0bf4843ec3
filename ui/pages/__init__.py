"""Importing this package registers every page (each module calls registry.register_page)."""
from ui.pages import home_page  # noqa: F401
from ui.pages import settings_page  # noqa: F401
from ui.pages import members_page  # noqa: F401
from ui.pages import notices_page  # noqa: F401
from ui.pages import requests_page  # noqa: F401
from ui.pages import scans_page  # noqa: F401
from ui.pages import originals_page  # noqa: F401
from ui.pages import retention_page  # noqa: F401
from ui.pages import sync_page  # noqa: F401
from ui.pages import print_documents_page  # noqa: F401
