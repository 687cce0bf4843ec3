"""Head-office service (issue 8): Starlette API + uvicorn, PostgreSQL or SQLite storage, admin CLI."""
