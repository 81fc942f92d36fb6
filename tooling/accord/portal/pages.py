"""The portal's HTML pages: sign-in, a partner's statements, a statement, its redline, downloads, the position and
upload forms; and for the secretariat the round dashboard, the compilation and user management. No JavaScript."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from . import actions
from .accounts import User
from .actions import Invalid, NotFound, PositionForm, Refused
from .app import (PRE_SESSION_COOKIE, SESSION_COOKIE, address_of, portal_of, render, session_user,
                  standalone_page)
from .auth import hash_password, password_problem, same_token, sign_in

FORGED = "This form has expired or was not sent from the portal: reload the page and try again."
MAX_RESERVATIONS = 10

Handler = Callable[..., Any]


def signed_in(secretariat: bool = False) -> Callable[[Handler], Handler]:
    """Run a page handler (a plain function, run in the thread pool) with the signed-in user and the session's CSRF
    token; anyone else is sent to sign in. 404 turns every NotFound into the same answer, 403 every Refused."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            user, csrf = await run_in_threadpool(session_user, request)
            if user is None:
                if request.method != "GET":
                    raise HTTPException(403, "Your session has ended: sign in again.")
                return RedirectResponse(f"/sign-in?next={quote(request.url.path)}", status_code=303)
            if secretariat and not user.secretariat:
                raise HTTPException(403, "This page is for the secretariat.")
            form = None
            if request.method == "POST":
                form = await request.form(max_files=1, max_fields=60)
                if not same_token(_text(form, "csrf"), csrf):
                    await run_in_threadpool(portal_of(request).accounts.audit, "forged-form", actor=user,
                                            target=request.url.path, address=address_of(request), outcome="refused")
                    raise HTTPException(403, FORGED)
            try:
                return await _run(handler, request, user, csrf, form)
            except NotFound:
                raise HTTPException(404) from None
            except Refused as refused:
                raise HTTPException(403, str(refused)) from None

        return endpoint

    return wrap


async def _run(handler: Handler, request: Request, user: User, csrf: str, form: Any) -> Response:
    if form is not None:
        uploads = [value for value in form.values() if isinstance(value, UploadFile)]
        files = {}
        for upload in uploads:
            files[upload.filename or "returned.docx"] = await upload.read()
        result: Response = await run_in_threadpool(handler, request, user, csrf, form, files)
        return result
    answer: Response = await run_in_threadpool(handler, request, user, csrf)
    return answer


def _text(form: Any, name: str) -> str:
    value = form.get(name) if form is not None else None
    return value if isinstance(value, str) else ""


# -- signing in -------------------------------------------------------------------------------------------------

async def sign_in_page(request: Request) -> Response:
    import secrets

    token = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "sign_in.html", form_token=token, message="", email="",
                      next=_next(request.query_params.get("next")))
    _set_cookie(request, response, PRE_SESSION_COOKIE, token, max_age=3600)
    return response


async def sign_in_post(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    portal = portal_of(request)
    address = address_of(request)
    target = _next(_text(form, "next"))
    token = request.cookies.get(PRE_SESSION_COOKIE, "")
    if not same_token(_text(form, "form_token"), token):
        await run_in_threadpool(portal.accounts.audit, "sign-in", target=_text(form, "email")[:320], address=address,
                                outcome="refused", detail="forged or expired form")
        raise HTTPException(403, FORGED)
    email = _text(form, "email")
    outcome = await run_in_threadpool(sign_in, portal.accounts, email, _text(form, "password"), address)
    if outcome.user is None:
        await run_in_threadpool(portal.accounts.audit, "sign-in", target=email[:320], address=address,
                                outcome="locked" if outcome.locked else "refused")
        return render(request, "sign_in.html", status_code=429 if outcome.locked else 401, form_token=token,
                      message=outcome.message, email=email[:320], next=target)
    session, _ = await run_in_threadpool(portal.accounts.new_session, outcome.user)
    await run_in_threadpool(portal.accounts.audit, "sign-in", actor=outcome.user, address=address)
    response = RedirectResponse(target, status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, session)
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")
    return response


def _next(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (never //elsewhere or a scheme)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    secure = portal_of(request).secure_cookies or request.url.scheme == "https"
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure)


@signed_in()
def sign_out(request: Request, user: User, csrf: str, form: Any, files: dict[str, bytes]) -> Response:
    portal = portal_of(request)
    portal.accounts.end_session(request.cookies.get(SESSION_COOKIE, ""))
    portal.accounts.audit("sign-out", actor=user, address=address_of(request))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def welcome_page(request: Request) -> Response:
    """The one-time sign-in link: set a password."""
    import secrets

    portal = portal_of(request)
    user, problem = await run_in_threadpool(portal.accounts.link_user, request.path_params["secret"])
    if user is None:
        await run_in_threadpool(portal.accounts.audit, "sign-in-link", address=address_of(request), outcome="refused",
                                detail=problem)
        return render(request, "message.html", status_code=410 if "expired" in problem or "used" in problem else 404,
                      title="Sign-in link", message=problem)
    token = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "welcome.html", who=user, form_token=token, message="")
    _set_cookie(request, response, PRE_SESSION_COOKIE, token, max_age=3600)
    return response


async def welcome_post(request: Request) -> Response:
    portal = portal_of(request)
    secret = request.path_params["secret"]
    form = await request.form(max_files=0, max_fields=10)
    token = request.cookies.get(PRE_SESSION_COOKIE, "")
    if not same_token(_text(form, "form_token"), token):
        raise HTTPException(403, FORGED)
    user, problem = await run_in_threadpool(portal.accounts.link_user, secret)
    if user is None:
        return render(request, "message.html", status_code=410, title="Sign-in link", message=problem)
    refused = password_problem(_text(form, "password"), _text(form, "repeat"))
    if refused:
        return render(request, "welcome.html", status_code=400, who=user, form_token=token, message=refused)
    if not await run_in_threadpool(portal.accounts.use_link, secret):
        return render(request, "message.html", status_code=410, title="Sign-in link",
                      message="This sign-in link has been used already. Ask the secretariat for a new one.")
    password_hash = await run_in_threadpool(hash_password, _text(form, "password"))
    await run_in_threadpool(portal.accounts.set_password_hash, user, password_hash)
    session, _ = await run_in_threadpool(portal.accounts.new_session, user)
    await run_in_threadpool(portal.accounts.audit, "set-password", actor=user, address=address_of(request))
    response = RedirectResponse("/", status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, session)
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")
    return response


# -- a partner's statements ---------------------------------------------------------------------------------------

@signed_in()
def index(request: Request, user: User, csrf: str) -> Response:
    repo = portal_of(request).repo()
    items = [actions.overview(repo, user, statement) for statement in actions.visible_statements(repo, user)]
    partner = repo.partners().get(user.partner) if user.partner else None
    return render(request, "index.html", session=(user, csrf), items=items,
                  partner_label=partner.label if partner else None, labels=_labels(repo))


def _labels(repo: Any) -> dict[str, str]:
    return {pid: partner.label for pid, partner in repo.partners().items()}


@signed_in()
def statement_page(request: Request, user: User, csrf: str) -> Response:
    return _statement_view(request, user, csrf)


def _statement_view(request: Request, user: User, csrf: str, message: str = "", status: int = 200,
                    form: PositionForm | None = None) -> Response:
    portal = portal_of(request)
    repo = portal.repo()
    statement = actions.visible_statement(repo, user, request.path_params["sid"])
    portal.accounts.audit("view", actor=user, target=statement.id, address=address_of(request))
    item = actions.overview(repo, user, statement)
    uploads = portal.accounts.uploads(statement.id, None if user.secretariat else user.partner)
    branches = actions.review_branches(repo, statement, None if user.secretariat else user.partner)
    from ..labels import statement_labels

    return render(request, "statement.html", status_code=status, session=(user, csrf), item=item,
                  text=actions.text_html(repo, statement), labels=_labels(repo),
                  signers=actions.signers_of(repo, user.partner) if user.partner else [],
                  positions=actions.POSITIONS, paragraph_labels=statement_labels(statement).labels,
                  uploads=uploads, branches=branches, message=message, form=form,
                  reservation_rows=range(max(3, len(form.reservations) if form else 0)))


@signed_in()
def changes(request: Request, user: User, csrf: str) -> Response:
    portal = portal_of(request)
    repo = portal.repo()
    statement = actions.visible_statement(repo, user, request.path_params["sid"])
    partner_id = actions.partner_of(user, request.query_params.get("partner"), statement)
    portal.accounts.audit("view-changes", actor=user, target=f"{statement.id} since {partner_id}",
                          address=address_of(request))
    page = actions.changes_page(repo, statement, partner_id)
    if page is None:
        return render(request, "message.html", session=(user, csrf), title="No earlier position",
                      message=f"{_labels(repo).get(partner_id, partner_id)} has not endorsed any version of this "
                              "text yet, so there are no changes since an endorsement to show.")
    return standalone_page(page)


@signed_in()
def review_branch(request: Request, user: User, csrf: str) -> Response:
    """A review branch's redline against the current text: the partner's own only (the secretariat: any)."""
    portal = portal_of(request)
    repo = portal.repo()
    statement = actions.visible_statement(repo, user, request.path_params["sid"])
    partner_id = actions.partner_of(user, request.path_params["partner"], statement)
    if partner_id != request.path_params["partner"]:
        raise NotFound(partner_id)
    branches = actions.review_branches(repo, statement, partner_id)
    wanted = f"review/{partner_id}/{request.path_params['name']}"
    if wanted not in branches:
        raise NotFound(wanted)
    portal.accounts.audit("view-branch", actor=user, target=wanted, address=address_of(request))
    return standalone_page(actions.review_branch_page(repo, statement, wanted))


@signed_in()
def packet(request: Request, user: User, csrf: str) -> Response:
    portal = portal_of(request)
    repo = portal.repo()
    statement = actions.visible_statement(repo, user, request.path_params["sid"])
    partner_id = actions.partner_of(user, request.query_params.get("partner"), statement)
    try:
        name, data = actions.packet_docx(repo, statement, partner_id)
    except Exception as error:
        return _download_failed(request, user, csrf, portal, statement, "packet", error)
    portal.accounts.audit("download-packet", actor=user, target=f"{statement.id} for {partner_id}",
                          address=address_of(request))
    return _download(name, data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@signed_in()
def official(request: Request, user: User, csrf: str) -> Response:
    portal = portal_of(request)
    repo = portal.repo()
    statement = actions.visible_statement(repo, user, request.path_params["sid"])
    try:
        name, data = actions.official_pdf(repo, statement)
    except Exception as error:
        return _download_failed(request, user, csrf, portal, statement, "PDF", error)
    portal.accounts.audit("download-pdf", actor=user, target=statement.id, address=address_of(request))
    return _download(name, data, "application/pdf")


def _download(name: str, data: bytes, media_type: str) -> Response:
    return Response(data, media_type=media_type, headers={"content-disposition": f'attachment; filename="{name}"'})


def _download_failed(request: Request, user: User, csrf: str, portal: Any, statement: Any, what: str,
                     error: Exception) -> Response:
    from ..errors import AccordError

    if not isinstance(error, AccordError | Invalid):
        raise error
    message = error.message if isinstance(error, AccordError) else str(error)
    portal.accounts.audit(f"download-{what.lower()}", actor=user, target=statement.id, address=address_of(request),
                          outcome="failed", detail=message)
    return render(request, "message.html", status_code=409, session=(user, csrf), title=f"The {what} cannot be made",
                  message=message)


@signed_in()
def position(request: Request, user: User, csrf: str, form: Any, files: dict[str, bytes]) -> Response:
    portal = portal_of(request)
    repo = portal.repo()
    statement = actions.visible_statement(repo, user, request.path_params["sid"])
    reservations = tuple((_text(form, f"paragraph-{n}"), _text(form, f"reservation-{n}"))
                         for n in range(MAX_RESERVATIONS) if _text(form, f"reservation-{n}").strip())
    asked = PositionForm(_text(form, "position"), _text(form, "signatory"), reservations,
                         _text(form, "reason").strip() or None)
    try:
        recorded, entry = actions.record_position(repo, portal.accounts, user, statement, asked,
                                                  address=address_of(request), portal_key=portal.portal_key)
    except Invalid as invalid:
        return _statement_view(request, user, csrf, message=f"Not recorded: {invalid}", status=400, form=asked)
    commit = recorded.commit or ""
    return render(request, "recorded.html", session=(user, csrf), statement=statement, summary=recorded.summary,
                  commit=commit, entry=entry)


@signed_in()
def upload(request: Request, user: User, csrf: str, form: Any, files: dict[str, bytes]) -> Response:
    portal = portal_of(request)
    repo = portal.repo()
    statement = actions.visible_statement(repo, user, request.path_params["sid"])
    if not files:
        return _statement_view(request, user, csrf, message="Choose the DOCX file to upload.", status=400)
    (name, data), = files.items()
    try:
        done = actions.import_upload(repo, portal.accounts, user, statement, name, data, address=address_of(request))
    except Invalid as invalid:
        return _statement_view(request, user, csrf, message=f"Not imported: {invalid}", status=400)
    return RedirectResponse(f"/statements/{statement.id}/uploads/{done.id}", status_code=303)


@signed_in()
def upload_page(request: Request, user: User, csrf: str) -> Response:
    portal = portal_of(request)
    repo = portal.repo()
    statement = actions.visible_statement(repo, user, request.path_params["sid"])
    try:
        row = portal.accounts.upload(int(request.path_params["number"]))
    except ValueError:
        row = None
    if row is None or row["statement"] != statement.id or (not user.secretariat and row["partner"] != user.partner):
        raise NotFound("upload")
    return render(request, "upload.html", session=(user, csrf), statement=statement, upload=row,
                  labels=_labels(repo))


# -- the secretariat --------------------------------------------------------------------------------------------

@signed_in(secretariat=True)
def dashboard(request: Request, user: User, csrf: str) -> Response:
    repo = portal_of(request).repo()
    return render(request, "dashboard.html", session=(user, csrf), rounds=actions.dashboard(repo),
                  statements=actions.visible_statements(repo, user))


@signed_in(secretariat=True)
def compilation(request: Request, user: User, csrf: str) -> Response:
    repo = portal_of(request).repo()
    statement = actions.visible_statement(repo, user, request.path_params["sid"])
    from ..errors import AccordError

    try:
        page = actions.compilation_page(repo, statement)
    except AccordError as error:
        return render(request, "message.html", status_code=409, session=(user, csrf), title="No compilation",
                      message=error.message)
    return standalone_page(page)


@signed_in(secretariat=True)
def users(request: Request, user: User, csrf: str) -> Response:
    return _users_view(request, user, csrf)


def _users_view(request: Request, user: User, csrf: str, message: str = "", link: str = "",
                status: int = 200) -> Response:
    portal = portal_of(request)
    return render(request, "users.html", status_code=status, session=(user, csrf), users=portal.accounts.users(),
                  partners=_labels(portal.repo()), message=message, link=link,
                  entries=portal.accounts.audit_log(100))


@signed_in(secretariat=True)
def add_user(request: Request, user: User, csrf: str, form: Any, files: dict[str, bytes]) -> Response:
    from ..errors import AccordError

    portal = portal_of(request)
    role = _text(form, "role") or "partner"
    partner = _text(form, "partner") or None
    email = _text(form, "email")
    show = _users_view
    if role == "partner" and partner not in portal.repo().partners():
        return show(request, user, csrf, message="Choose the user's partner.", status=400)
    try:
        added, secret = portal.accounts.add_user(email, partner, role)
    except AccordError as error:
        return show(request, user, csrf, message=error.message, status=400)
    portal.accounts.audit("add-user", actor=user, target=added.email, address=address_of(request),
                          detail=f"{role} {partner or ''}".strip())
    link = f"{request.base_url}welcome/{secret}"
    return show(request, user, csrf, message=f"Added {added.email}: send them this one-time sign-in link "
                                             "(valid for 72 hours).", link=link)


@signed_in(secretariat=True)
def disable_user(request: Request, user: User, csrf: str, form: Any, files: dict[str, bytes]) -> Response:
    from ..errors import AccordError

    portal = portal_of(request)
    show = _users_view
    try:
        disabled = portal.accounts.disable(_text(form, "email"))
    except AccordError as error:
        return show(request, user, csrf, message=error.message, status=400)
    portal.accounts.audit("disable-user", actor=user, target=disabled.email, address=address_of(request))
    return show(request, user, csrf, message=f"Disabled {disabled.email}.")


ROUTES = [
    Route("/", index),
    Route("/sign-in", sign_in_page, methods=["GET"]),
    Route("/sign-in", sign_in_post, methods=["POST"]),
    Route("/sign-out", sign_out, methods=["POST"]),
    Route("/welcome/{secret}", welcome_page, methods=["GET"]),
    Route("/welcome/{secret}", welcome_post, methods=["POST"]),
    Route("/statements/{sid}", statement_page),
    Route("/statements/{sid}/changes", changes),
    Route("/statements/{sid}/packet.docx", packet),
    Route("/statements/{sid}/official.pdf", official),
    Route("/statements/{sid}/position", position, methods=["POST"]),
    Route("/statements/{sid}/reviews", upload, methods=["POST"]),
    Route("/statements/{sid}/uploads/{number}", upload_page),
    Route("/statements/{sid}/reviews/{partner}/{name}", review_branch),
    Route("/statements/{sid}/compilation", compilation),
    Route("/dashboard", dashboard),
    Route("/users", users, methods=["GET"]),
    Route("/users", add_user, methods=["POST"]),
    Route("/users/disable", disable_user, methods=["POST"]),
]
