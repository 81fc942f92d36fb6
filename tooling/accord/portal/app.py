"""The portal's Starlette application: its routes, who is signed in, security headers on every response, errors.

Starlette (ASGI) runs under uvicorn, its ordinary production server, in one worker
process: Typst is never run in this process (PDFs are built by `accord build` in a
subprocess), and blocking library calls (git, pandoc, ssh-keygen) run in the
worker's thread pool, so forty partners recording positions at once are served
side by side while the ledger's compare-and-swap commit keeps every record.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .accounts import Accounts, User
from .actions import MAX_UPLOAD_BYTES

SESSION_COOKIE = "accord_session"
PRE_SESSION_COOKIE = "accord_form"  # the CSRF token of the sign-in and set-password forms (no session yet)
# No script may run, nothing may load from elsewhere, no page may frame the portal, forms post only to it.
CSP = ("default-src 'none'; style-src 'self'{styles}; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
STATIC = Path(__file__).with_name("static")


@dataclass(frozen=True)
class Portal:
    """What every request needs: the repository, the database, the portal's signing key, cookie settings."""

    root: Path
    accounts: Accounts
    portal_key: Path
    secure_cookies: bool = False

    def repo(self) -> Any:
        from .actions import repo_at

        return repo_at(self.root)


def create_app(portal: Portal) -> ASGIApp:
    from . import api, pages

    routes = [*pages.ROUTES, *api.ROUTES, Route("/static/{name}", static), Route("/favicon.ico", static)]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, 404: http_error})
    app.state.portal = portal
    return SecurityHeaders(UploadLimit(app, MAX_UPLOAD_BYTES + 2**20))


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def address_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# -- who is signed in ------------------------------------------------------------------------------------------

def session_user(request: Request) -> tuple[User | None, str]:
    """The user of the session cookie and the session's CSRF token (None, '' when not signed in)."""
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        return None, ""
    return portal_of(request).accounts.session(session)


def bearer_user(request: Request) -> User | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return portal_of(request).accounts.token_user(token.strip())


# -- pages ----------------------------------------------------------------------------------------------------

def render(request: Request, template: str, status_code: int = 200, *, styles: tuple[str, ...] = (),
           **context: Any) -> HTMLResponse:
    """A template of portal/templates rendered by accord.web (autoescape on, as every page accord makes); the
    page's own CSP allows exactly the inline styles named."""
    from .. import web

    user, csrf = context.pop("session", (None, ""))
    html = web.render(f"portal/{template}", user=user, csrf=csrf, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status_code)
    if styles:
        response.headers["content-security-policy"] = csp_with_styles(styles)
    return response


def csp_with_styles(styles: tuple[str, ...]) -> str:
    hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in styles)
    return CSP.format(styles=hashes)


def standalone_page(html: str) -> HTMLResponse:
    """A complete page made by the library (a redline, a compilation) served as it is: its inline <style> blocks
    are allowed by their hashes and nothing else is."""
    import re

    styles = tuple(re.findall(r"<style>(.*?)</style>", html, re.S))
    response = HTMLResponse(html)
    response.headers["content-security-policy"] = csp_with_styles(styles)
    return response


async def static(request: Request) -> Response:
    """The site's stylesheet (templates/site/style.css of the repository, shared with `accord site`) and the
    portal's own additions."""
    from starlette.concurrency import run_in_threadpool

    from ..errors import AccordError
    from ..fsutil import read_repo_bytes

    name = request.path_params.get("name", "favicon.svg")
    if name in SITE_FILES:
        # as `accord site` does: the repository's own file in templates/site/ if it has one, else accord's stylesheet
        own = portal_of(request).root / "templates" / "site" / name
        try:  # through the one read function that refuses links: templates/ is the repository's
            data = await run_in_threadpool(read_repo_bytes, own)
        except (OSError, AccordError):
            if name != "style.css":
                raise HTTPException(404) from None
            from importlib import resources

            data = resources.files("accord.web").joinpath("static/site.css").read_bytes()
    elif name == "portal.css":
        data = (STATIC / "portal.css").read_bytes()
    else:
        raise HTTPException(404)
    media = "image/svg+xml" if name.endswith(".svg") else "text/css"
    return Response(data, media_type=media, headers={"cache-control": "max-age=300"})


SITE_FILES = ("style.css", "favicon.svg")  # the site's own files, which the portal shares (not copies)


# -- errors ---------------------------------------------------------------------------------------------------

MESSAGES = {400: "The request cannot be done as sent.", 401: "Sign in first.", 403: "You may not do this.",
            404: "There is nothing here, or it is not yours to see.", 405: "This address does not take that method.",
            413: "The file is too large.", 429: "Too many requests."}


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    detail = exc.detail if isinstance(exc, HTTPException) and exc.detail and exc.detail != _default(status) else None
    message = detail or MESSAGES.get(status, "Error.")
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return render(request, "message.html", status_code=status, title=f"Error {status}", message=message,
                  session=session_user(request))


def _default(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase


# -- middleware -----------------------------------------------------------------------------------------------

class SecurityHeaders:
    """Every response, errors included, carries a strict Content-Security-Policy and the usual hardening headers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.format(styles="").encode()))
                headers += [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"no-referrer"), (b"cross-origin-opener-policy", b"same-origin")]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class UploadLimit:
    """Refuse a request body larger than the limit with 413, before or while it is read (chunked bodies too)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _too_large(scope, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(scope, send)


class _TooLarge(Exception):
    pass


async def _too_large(scope: Scope, send: Send) -> None:
    api = str(scope.get("path", "")).startswith("/api/")
    body = (json.dumps({"error": MESSAGES[413]}).encode() if api else
            f"<!DOCTYPE html><title>Error 413</title><p>{MESSAGES[413]}</p>".encode())
    await send({"type": "http.response.start", "status": 413, "headers": [
        (b"content-type", b"application/json" if api else b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
