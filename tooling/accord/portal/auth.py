"""Passwords (argon2id), sign-in with its rate limits, and the CSRF tokens every form carries."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from typing import Any

from .accounts import Accounts, User, now

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 hashes any length; a megabyte "password" would only cost the server time
WINDOW = dt.timedelta(minutes=15)
ACCOUNT_LIMIT = 5     # failed sign-ins per account in WINDOW, then the account is locked for the rest of it
ADDRESS_LIMIT = 20    # failed sign-ins from one address in WINDOW (many accounts tried from one place)
LOCKED = "Too many failed sign-ins. Sign-in is locked for 15 minutes; try again later."
WRONG = "Wrong e-mail address or password."


# argon2-cffi's cheapest parameters, which it offers for test suites (its profiles.CHEAPEST); never for a real portal.
TEST_HASHING = "ACCORD_PORTAL_TEST_HASHING"


def _hasher() -> Any:
    import os

    from argon2 import PasswordHasher, profiles

    if os.environ.get(TEST_HASHING) == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()  # argon2id with the library's defaults (RFC 9106's low-memory profile)


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def password_problem(password: str, repeated: str) -> str | None:
    """Why a new password is refused, or None."""
    if password != repeated:
        return "The two passwords differ."
    if len(password) < MIN_PASSWORD:
        return f"Choose a password of at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Choose a password of at most {MAX_PASSWORD} characters."
    return None


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the user, or the message to show (and whether it is a lockout)."""

    user: User | None
    message: str = ""
    locked: bool = False


def sign_in(accounts: Accounts, email: str, password: str, address: str) -> SignIn:
    """Check an e-mail and password, within the rate limits per account and per address.

    A locked account or address is refused before the password is even checked, so
    guessing goes no faster while locked; every attempt is counted.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    email = email.strip()[:320]
    since = now() - WINDOW
    if (accounts.failures_since(since, account=email) >= ACCOUNT_LIMIT
            or accounts.failures_since(since, address=address) >= ADDRESS_LIMIT):
        accounts.note_attempt(email, address, ok=False)
        return SignIn(None, LOCKED, locked=True)
    user = accounts.user_by_email(email) if email else None
    stored = accounts.password_hash(user) if user is not None else None
    good = False
    if len(password) <= MAX_PASSWORD:
        try:
            # unknown users cost a hash too, so timing does not tell which addresses have accounts
            good = _hasher().verify(stored or _DUMMY.value(), password) and stored is not None
        except (VerificationError, InvalidHashError):
            good = False
    if not good or user is None or user.disabled:
        accounts.note_attempt(email, address, ok=False)
        return SignIn(None, WRONG)
    accounts.note_attempt(email, address, ok=True)
    return SignIn(user)


class _Dummy:
    def __init__(self) -> None:
        self._hash: str | None = None

    def value(self) -> str:
        if self._hash is None:
            self._hash = hash_password("not a password of anyone")
        return self._hash


_DUMMY = _Dummy()


def same_token(given: str | None, expected: str | None) -> bool:
    """Whether a submitted CSRF token is the expected one (constant time; empty never matches)."""
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))
