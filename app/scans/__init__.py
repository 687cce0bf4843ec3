"""Scans of paper forms: import (files, watched folder, scanner), QR matching, encrypted archive, inbox."""

import app.scans.messages  # noqa: F401
from app.scans.archive import document_pages  # noqa: F401
from app.scans.importer import ImportResult, import_bytes, import_file, import_images  # noqa: F401
