"""Where UI tests save their screenshots: a temp folder, or the folder named by MEMBERDESK_SCREENSHOTS
(`MEMBERDESK_SCREENSHOTS=docs/screenshots ./run.sh test tests/ui` refreshes the docs' pictures), so a
plain test run never changes the working tree."""

import os
import tempfile
from pathlib import Path

SHOTS_DIR = Path(os.environ.get("MEMBERDESK_SCREENSHOTS") or tempfile.mkdtemp(prefix="memberdesk-shots-")).resolve()
SHOTS_DIR.mkdir(parents=True, exist_ok=True)
