"""The partner portal (`accord serve`): partners read, comment on and record positions on their texts in a browser.

One module per job: accounts (the SQLite database of users, sign-in links, tokens,
sessions, sign-in attempts and the audit log), auth (passwords, sessions, CSRF and
rate limits), actions (what a user may see and do, through the same library
functions as the CLI), pages (server-rendered HTML), api (JSON under /api/), and
app (the Starlette application, its security headers and error pages).
"""

from .accounts import ROLES, Accounts, User

__all__ = ["ROLES", "Accounts", "User"]
