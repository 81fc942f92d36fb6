"""The JSON API under /api/ for scripts: `Authorization: Bearer TOKEN` (from `accord portal token EMAIL`).

The partner is always the token's partner: no request can name another. A
statement the token's partner is not invited to is 404, like an unknown one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import actions
from .accounts import User
from .actions import Invalid, NotFound, PositionForm, Refused
from .app import address_of, bearer_user, portal_of

MAX_JSON_BYTES = 64 * 1024


def with_token(handler: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        user = await run_in_threadpool(bearer_user, request)
        if user is None:
            raise HTTPException(401, "Send a valid API token: Authorization: Bearer TOKEN (accord portal token EMAIL).")
        payload: Any = None
        if request.method == "POST":
            payload = await _payload(request)
        try:
            result: Response = await run_in_threadpool(handler, request, user, payload)
            return result
        except NotFound:
            raise HTTPException(404) from None
        except Refused as refused:
            raise HTTPException(403, str(refused)) from None
        except Invalid as invalid:
            raise HTTPException(400, str(invalid)) from None

    return endpoint


async def _payload(request: Request) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(400, "Send the DOCX as the multipart field 'file'.")
        return (upload.filename or "returned.docx", await upload.read())
    body = await request.body()
    if len(body) > MAX_JSON_BYTES:
        raise HTTPException(413)
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, "The body is not JSON.") from None


@with_token
def statements(request: Request, user: User, payload: Any) -> Response:
    repo = portal_of(request).repo()
    return JSONResponse([actions.overview(repo, user, statement).as_dict()
                         for statement in actions.visible_statements(repo, user)])


@with_token
def statement(request: Request, user: User, payload: Any) -> Response:
    from ..labels import statement_labels

    portal = portal_of(request)
    repo = portal.repo()
    found = actions.visible_statement(repo, user, request.path_params["sid"])
    portal.accounts.audit("api-view", actor=user, target=found.id, address=address_of(request))
    data = actions.overview(repo, user, found).as_dict()
    data["paragraphs"] = statement_labels(found).labels
    data["signers"] = actions.signers_of(repo, user.partner) if user.partner else []
    data["body"] = found.body
    return JSONResponse(data)


@with_token
def position(request: Request, user: User, payload: Any) -> Response:
    portal = portal_of(request)
    repo = portal.repo()
    found = actions.visible_statement(repo, user, request.path_params["sid"])
    if not isinstance(payload, dict):
        raise Invalid('send a JSON object: {"position", "signatory", "reservations": [{"paragraph", "text"}], "reason"}')
    unknown = sorted(set(payload) - {"position", "signatory", "reservations", "reason"})
    if unknown:
        raise Invalid(f"unknown field '{unknown[0]}' (the partner is always the token's: there is no partner field)")
    reservations = payload.get("reservations") or []
    if not isinstance(reservations, list) or not all(isinstance(r, dict) for r in reservations):
        raise Invalid('reservations must be a list of {"paragraph", "text"}')
    pairs = tuple((str(r.get("paragraph") or ""), str(r.get("text") or "")) for r in reservations)
    form = PositionForm(str(payload.get("position") or ""), str(payload.get("signatory") or ""), pairs,
                        str(payload["reason"]) if payload.get("reason") else None)
    recorded, entry = actions.record_position(repo, portal.accounts, user, found, form,
                                              address=address_of(request), portal_key=portal.portal_key)
    return JSONResponse({"commit": recorded.commit, "text_sha256": recorded.record.text_sha256,
                         "position": recorded.record.position, "audit": entry}, status_code=201)


@with_token
def reviews(request: Request, user: User, payload: Any) -> Response:
    portal = portal_of(request)
    repo = portal.repo()
    found = actions.visible_statement(repo, user, request.path_params["sid"])
    if not isinstance(payload, tuple):
        raise Invalid("send the DOCX as multipart/form-data, field 'file'")
    name, data = payload
    done = actions.import_upload(repo, portal.accounts, user, found, name, data, address=address_of(request))
    return JSONResponse({"branch": done.branch, "upload": done.id, "summary": done.summary}, status_code=201)


ROUTES = [
    Route("/api/statements", statements, methods=["GET"]),
    Route("/api/statements/{sid}", statement, methods=["GET"]),
    Route("/api/statements/{sid}/position", position, methods=["POST"]),
    Route("/api/statements/{sid}/reviews", reviews, methods=["POST"]),
]
