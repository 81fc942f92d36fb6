"""The portal's database: users, one-time sign-in links, API tokens, sessions, sign-in attempts and the audit log.

It is one SQLite file (default `.accord/portal.sqlite`, git-ignored): nothing in it
ever goes into git. Secrets are stored hashed: passwords with argon2id, and links,
tokens and session ids (random 256-bit values) with SHA-256, so a copy of the
database signs nobody in. Every connection is short-lived and in WAL mode, so the
server's threads and the `accord portal` commands can use the file at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import PortalError

ROLES = ("partner", "secretariat")
DEFAULT_DATABASE = Path(".accord") / "portal.sqlite"
LINK_HOURS = 72
SESSION_HOURS = 12
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, partner TEXT, role TEXT NOT NULL,
    password_hash TEXT, disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), expires_at TEXT NOT NULL, used_at TEXT);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), csrf TEXT NOT NULL,
    expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY, account TEXT NOT NULL, address TEXT NOT NULL, at TEXT NOT NULL, ok INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_account ON attempts(account, at);
CREATE INDEX IF NOT EXISTS attempts_address ON attempts(address, at);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT, partner TEXT, action TEXT NOT NULL,
    target TEXT, address TEXT, outcome TEXT NOT NULL, detail TEXT);
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, user_id INTEGER NOT NULL REFERENCES users(id), partner TEXT NOT NULL,
    statement TEXT NOT NULL, file TEXT NOT NULL, branch TEXT, summary TEXT NOT NULL);
"""


def now() -> dt.datetime:
    """The current time (ACCORD_NOW stands in for the clock, as for round deadlines)."""
    from ..rounds.model import now as clock

    return clock()


def digest(secret: str) -> str:
    """How a link, token or session id is stored: SHA-256 of the random value (never the value)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    """A portal account: a partner's focal point (one partner) or a member of the secretariat (everything)."""

    id: int
    email: str
    partner: str | None
    role: str
    disabled: bool
    has_password: bool
    created_at: str

    @property
    def secretariat(self) -> bool:
        return self.role == "secretariat"

    def as_dict(self) -> dict[str, object]:
        return {"email": self.email, "partner": self.partner, "role": self.role, "disabled": self.disabled,
                "password_set": self.has_password, "created_at": self.created_at}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str | None
    partner: str | None
    action: str
    target: str | None
    address: str | None
    outcome: str
    detail: str | None


class Accounts:
    """The portal database at one path; every method opens and closes its own connection."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def of_repo(cls, root: Path, database: str | Path | None = None) -> Accounts:
        """The database of a repository: database if given (relative to root), else .accord/portal.sqlite."""
        path = Path(database) if database is not None else DEFAULT_DATABASE
        return cls(path if path.is_absolute() else root / path)

    def create(self) -> None:
        """Make the database file (and its folder, git-ignored) when missing."""
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if folder.name == ".accord" and not (folder / ".gitignore").exists():
                (folder / ".gitignore").write_text("# accord's local state: never committed\n*\n", encoding="utf-8")
        except OSError as error:
            raise PortalError(f"cannot create {folder}: {error.strerror or error}") from None
        with self.connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as error:
            raise PortalError(f"cannot open the portal database {self.path}: {error}") from None
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        except sqlite3.Error as error:
            raise PortalError(f"portal database {self.path}: {error}") from None
        finally:
            db.close()

    def require(self) -> Accounts:
        if not self.path.is_file():
            raise PortalError(f"no portal database at {self.path}: add a user first (accord portal add-user)")
        self.create()  # tables added by a newer accord
        return self

    # -- users -----------------------------------------------------------------------------
    def add_user(self, email: str, partner: str | None, role: str) -> tuple[User, str]:
        """A new user and the secret of their one-time sign-in link (valid LINK_HOURS hours)."""
        email = email.strip()
        if not EMAIL.fullmatch(email):
            raise PortalError(f"'{email}' is not an e-mail address")
        if role not in ROLES:
            raise PortalError(f"--role must be partner or secretariat, not '{role}'")
        if role == "partner" and not partner:
            raise PortalError("a partner user belongs to exactly one partner: name it")
        self.create()
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            if db.execute("SELECT 1 FROM users WHERE email = ? COLLATE NOCASE", (email,)).fetchone():
                db.execute("ROLLBACK")
                raise PortalError(f"a user {email} exists already")
            created = now().isoformat(timespec="seconds")
            cursor = db.execute("INSERT INTO users (email, partner, role, created_at) VALUES (?, ?, ?, ?)",
                                (email, partner if role == "partner" else None, role, created))
            user_id = int(cursor.lastrowid or 0)
            secret = self._new_link(db, user_id)
            db.execute("COMMIT")
        user = self.user_by_email(email)
        assert user is not None
        return user, secret

    def new_link(self, email: str) -> str:
        """A fresh one-time sign-in link for an existing user (to set a forgotten password)."""
        user = self.require_user(email)
        with self.connect() as db:
            return self._new_link(db, user.id)

    def _new_link(self, db: sqlite3.Connection, user_id: int) -> str:
        secret = secrets.token_urlsafe(32)
        expires = (now() + dt.timedelta(hours=LINK_HOURS)).isoformat(timespec="seconds")
        db.execute("INSERT INTO links (hash, user_id, expires_at) VALUES (?, ?, ?)", (digest(secret), user_id, expires))
        return secret

    def users(self) -> list[User]:
        with self.connect() as db:
            return [_user(row) for row in db.execute("SELECT * FROM users ORDER BY role DESC, partner, email")]

    def user_by_email(self, email: str) -> User | None:
        with self.connect() as db:
            row = db.execute("SELECT * FROM users WHERE email = ? COLLATE NOCASE", (email.strip(),)).fetchone()
        return _user(row) if row else None

    def user_by_id(self, user_id: int) -> User | None:
        with self.connect() as db:
            row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return _user(row) if row else None

    def require_user(self, email: str) -> User:
        user = self.user_by_email(email)
        if user is None:
            raise PortalError(f"no portal user {email}")
        return user

    def disable(self, email: str) -> User:
        """Disable a user: their sessions end, their tokens and links stop working, and they cannot sign in."""
        user = self.require_user(email)
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE users SET disabled = 1 WHERE id = ?", (user.id,))
            db.execute("DELETE FROM sessions WHERE user_id = ?", (user.id,))
            db.execute("COMMIT")
        return self.require_user(email)

    def password_hash(self, user: User) -> str | None:
        with self.connect() as db:
            row = db.execute("SELECT password_hash FROM users WHERE id = ?", (user.id,)).fetchone()
        return row["password_hash"] if row else None

    def set_password_hash(self, user: User, password_hash: str) -> None:
        with self.connect() as db:
            db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user.id))

    # -- links and tokens ------------------------------------------------------------------------
    def link_user(self, secret: str) -> tuple[User | None, str]:
        """The user a sign-in link is for, and '' ; or None and why the link does not work."""
        with self.connect() as db:
            row = db.execute("SELECT * FROM links WHERE hash = ?", (digest(secret),)).fetchone()
        if row is None:
            return None, "This sign-in link is not valid."
        if row["used_at"]:
            return None, "This sign-in link has been used already. Ask the secretariat for a new one."
        if dt.datetime.fromisoformat(row["expires_at"]) < now():
            return None, "This sign-in link has expired. Ask the secretariat for a new one."
        user = self.user_by_id(row["user_id"])
        if user is None or user.disabled:
            return None, "This account is disabled."
        return user, ""

    def use_link(self, secret: str) -> bool:
        """Mark a link used; False when another request used it first."""
        with self.connect() as db:
            cursor = db.execute("UPDATE links SET used_at = ? WHERE hash = ? AND used_at IS NULL",
                                (now().isoformat(timespec="seconds"), digest(secret)))
            return cursor.rowcount == 1

    def new_token(self, email: str) -> str:
        """A new API token for a user (printed once; stored hashed)."""
        user = self.require_user(email)
        if user.disabled:
            raise PortalError(f"{email} is disabled")
        secret = "accord_" + secrets.token_urlsafe(32)
        with self.connect() as db:
            db.execute("INSERT INTO tokens (hash, user_id, created_at) VALUES (?, ?, ?)",
                       (digest(secret), user.id, now().isoformat(timespec="seconds")))
        return secret

    def token_user(self, secret: str) -> User | None:
        with self.connect() as db:
            row = db.execute("SELECT users.* FROM tokens JOIN users ON users.id = tokens.user_id WHERE tokens.hash = ?",
                             (digest(secret),)).fetchone()
        user = _user(row) if row else None
        return user if user is not None and not user.disabled else None

    # -- sessions --------------------------------------------------------------------------------
    def new_session(self, user: User) -> tuple[str, str]:
        """(session id, CSRF token) of a new session for user."""
        session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = (now() + dt.timedelta(hours=SESSION_HOURS)).isoformat(timespec="seconds")
        with self.connect() as db:
            db.execute("INSERT INTO sessions (hash, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)",
                       (digest(session), user.id, csrf, expires))
        return session, csrf

    def session(self, session: str) -> tuple[User | None, str]:
        """The signed-in user of a session id and its CSRF token; None when the session is unknown or over."""
        with self.connect() as db:
            row = db.execute("SELECT * FROM sessions WHERE hash = ?", (digest(session),)).fetchone()
        if row is None or dt.datetime.fromisoformat(row["expires_at"]) < now():
            return None, ""
        user = self.user_by_id(row["user_id"])
        if user is None or user.disabled:
            return None, ""
        return user, str(row["csrf"])

    def end_session(self, session: str) -> None:
        with self.connect() as db:
            db.execute("DELETE FROM sessions WHERE hash = ?", (digest(session),))

    # -- sign-in attempts ------------------------------------------------------------------------
    def note_attempt(self, account: str, address: str, ok: bool) -> None:
        with self.connect() as db:
            db.execute("INSERT INTO attempts (account, address, at, ok) VALUES (?, ?, ?, ?)",
                       (account.casefold(), address, now().isoformat(timespec="seconds"), int(ok)))

    def failures_since(self, since: dt.datetime, *, account: str | None = None, address: str | None = None) -> int:
        """Failed sign-ins since a moment, for an account (after its last success) or from an address (a success
        from it does not reset that count: one valid account must not buy an address more guesses at others)."""
        column, value = ("account", account.casefold()) if account is not None else ("address", address or "")
        with self.connect() as db:
            last_ok = None
            if account is not None:
                last_ok = db.execute("SELECT MAX(at) FROM attempts WHERE account = ? AND ok = 1", (value,)).fetchone()[0]
            start = max(since.isoformat(timespec="seconds"), last_ok or "")
            row = db.execute(f"SELECT COUNT(*) FROM attempts WHERE {column} = ? AND ok = 0 AND at > ?",
                             (value, start)).fetchone()
        return int(row[0])

    # -- audit log and uploads -------------------------------------------------------------------
    def audit(self, action: str, *, actor: User | None = None, target: str | None = None, address: str | None = None,
              outcome: str = "ok", detail: str | None = None) -> int:
        """Append an entry to the audit log; returns its id (the evidence of a position recorded on the portal)."""
        with self.connect() as db:
            cursor = db.execute(
                "INSERT INTO audit (at, actor, partner, action, target, address, outcome, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (now().isoformat(timespec="seconds"), actor.email if actor else None, actor.partner if actor else None,
                 action, target, address, outcome, detail))
            return int(cursor.lastrowid or 0)

    def finish_audit(self, entry: int, outcome: str, detail: str | None = None) -> None:
        with self.connect() as db:
            db.execute("UPDATE audit SET outcome = ?, detail = COALESCE(?, detail) WHERE id = ?",
                       (outcome, detail, entry))

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        with self.connect() as db:
            rows = db.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [AuditEntry(**dict(row)) for row in rows]

    def add_upload(self, user: User, statement: str, file: str, branch: str | None, summary: str) -> int:
        with self.connect() as db:
            cursor = db.execute(
                "INSERT INTO uploads (at, user_id, partner, statement, file, branch, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now().isoformat(timespec="seconds"), user.id, user.partner or "", statement, file, branch, summary))
            return int(cursor.lastrowid or 0)

    def upload(self, upload_id: int) -> sqlite3.Row | None:
        with self.connect() as db:
            row: sqlite3.Row | None = db.execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
            return row

    def uploads(self, statement: str, partner: str | None = None) -> list[sqlite3.Row]:
        with self.connect() as db:
            if partner is None:
                return db.execute("SELECT * FROM uploads WHERE statement = ? ORDER BY id", (statement,)).fetchall()
            return db.execute("SELECT * FROM uploads WHERE statement = ? AND partner = ? ORDER BY id",
                              (statement, partner)).fetchall()


def _user(row: sqlite3.Row) -> User:
    return User(int(row["id"]), str(row["email"]), row["partner"], str(row["role"]), bool(row["disabled"]),
                row["password_hash"] is not None, str(row["created_at"]))
