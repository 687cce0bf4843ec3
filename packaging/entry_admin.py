"""Bundle entry point of the admin tool (memberdesk-admin)."""

import sys

if __name__ == "__main__":
    from app.cli import main

    sys.exit(main())
