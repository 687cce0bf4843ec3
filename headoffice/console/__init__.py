"""The head-office console in the browser (issue #19): pages under /console/ on the head-office service.

`create_console(ho)` is the ASGI app server.py mounts; `cli.console_user(ho_storage, args)` backs
`memberdesk-headoffice console-user add/list/disable`. Tables: console_users, console_sessions.
"""

from headoffice.console.app import create_console

__all__ = ["create_console"]
