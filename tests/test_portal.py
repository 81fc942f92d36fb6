"""The partner portal (`accord serve`), driven over HTTP against a real server on 127.0.0.1 and a tmp repository.

One server for the module: partner A (UNICEF), partner B (IOM), the secretariat,
a user to disable, one to lock out, one whose link expired, and an API user for
each of forty partners. Statements: `child-protection` (all 41 partners invited),
`shared-text` (UNICEF and IOM, with a round open) and `iom-only` (IOM alone).
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers.alliance import STATEMENT, git, make_alliance, run, write
from helpers.portal import Client, add_user, start, token, with_portal_key
from helpers.word import WordEdits

from accord.portal import Accounts

EXTRA = [f"p{number:02d}" for number in range(1, 37)]
ALL = ["unicef", "iom", "unodc", "ecpat", "lastrada", *EXTRA]
CONCURRENT = [pid for pid in ALL if pid != "unicef"]  # forty partners
A, B, SEC = "amira@unicef.example", "ivan@iom.example", "sec@aect.example"
GONE, LOCKED, LATE = "gone@ecpat.example", "locked@unodc.example", "late@lastrada.example"
FORGED = "This form has expired or was not sent from the portal: reload the page and try again."


def _statement(statement_id: str, invited: list[str], title: str) -> str:
    text = STATEMENT.format(id=statement_id, status="draft")
    text = text.replace("invited: [unicef, iom, unodc, ecpat]", f"invited: [{', '.join(invited)}]")
    text = text.replace("required: [unicef]", f"required: [{invited[0]}]").replace("threshold: 2", "threshold: 1")
    return text.replace("title: Joint Statement on the Protection of Children", f"title: {title}")


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    folder = tmp_path_factory.mktemp("portal")
    root = make_alliance(folder / "alliance", gitignore="/build/\n")
    for pid in EXTRA:
        write(root / "partners" / f"{pid}.yaml", f"id: {pid}\nname: Partner {pid.upper()}\nshort: {pid.upper()}\n"
              f"kind: ngo\nsigners:\n  - name: Signer of {pid.upper()}\n    title: Director\n"
              f"    principal: signer@{pid}.example\n")
    write(root / "statements" / "child-protection" / "statement.md",
          _statement("child-protection", ALL, "Joint Statement on the Protection of Children"))
    write(root / "statements" / "shared-text" / "statement.md", _statement("shared-text", ["unicef", "iom"],
                                                                          "Shared Text of UNICEF and IOM"))
    write(root / "statements" / "iom-only" / "statement.md", _statement("iom-only", ["iom"], "A Text for IOM Alone"))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Partners and texts for the portal")
    with_portal_key(root)
    opened = run("round", "open", "shared-text", "--deadline", "2099-12-31", "--repo", str(root))
    assert opened.code == 0, opened.err
    links = {email: add_user(root, partner, email) for email, partner in
             ((A, "unicef"), (B, "iom"), (GONE, "ecpat"), (LOCKED, "unodc"))}
    links[SEC] = add_user(root, "-", SEC, role="secretariat")
    os.environ["ACCORD_NOW"] = "2026-01-01T09:00:00+00:00"  # a link made long ago has expired by now
    try:
        links[LATE] = add_user(root, "lastrada", LATE)
    finally:
        del os.environ["ACCORD_NOW"]
    accounts = Accounts.of_repo(root)  # the library the CLI calls (its commands are tested above, once each)
    tokens = {}
    for pid in CONCURRENT:
        accounts.add_user(f"api@{pid}.example", pid, "partner")
        tokens[pid] = accounts.new_token(f"api@{pid}.example")
    server = start(root, folder / "serve.log")
    try:
        users = {}
        for email in (A, B, SEC, GONE):
            client = Client(server)
            welcomed = client.welcome(links[email])
            assert welcomed.status == 303, welcomed.text
            users[email] = client
        yield {"server": server, "root": root, "links": links, "users": users, "tokens": tokens,
               "gone_token": token(root, GONE), "a_token": token(root, A)}
    finally:
        server.stop()


def commits(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


# -- accounts and signing in ----------------------------------------------------------------------------------

def test_a_sign_in_link_sets_the_password_once_and_signs_the_user_in(portal):
    client = portal["users"][A]
    page = client.get("/")
    assert page.status == 200
    assert "Texts UNICEF is invited to" in page.text
    assert "Shared Text of UNICEF and IOM" in page.text and "A Text for IOM Alone" not in page.text
    again = Client(portal["server"]).get(f"/welcome/{portal['links'][A]}")
    assert again.status == 410
    assert "This sign-in link has been used already. Ask the secretariat for a new one." in again.text


def test_an_expired_sign_in_link_is_refused(portal):
    reply = Client(portal["server"]).get(f"/welcome/{portal['links'][LATE]}")
    assert reply.status == 410
    assert "This sign-in link has expired. Ask the secretariat for a new one." in reply.text


def test_session_cookies_are_httponly_and_samesite_lax(portal):
    client = Client(portal["server"])
    signed = client.sign_in(B)
    assert signed.status == 303 and signed.location == "/"
    session = next(cookie for cookie in signed.cookies if cookie.startswith("accord_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session
    assert client.get("/").status == 200


def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_account(portal):
    client = Client(portal["server"])
    link = portal["links"][LOCKED]
    assert client.welcome(link).status == 303
    stranger = Client(portal["server"])
    for _ in range(5):
        reply = stranger.sign_in(LOCKED, "not the password at all")
        assert reply.status == 401
        assert "Wrong e-mail address or password." in reply.text
    locked = stranger.sign_in(LOCKED)  # the right password, but the account is locked now
    assert locked.status == 429
    assert "Too many failed sign-ins. Sign-in is locked for 15 minutes; try again later." in locked.text
    assert "accord_session" not in stranger.cookies


def test_a_forged_sign_in_form_is_refused(portal):
    client = Client(portal["server"])
    client.get("/sign-in")
    reply = client.post("/sign-in", {"form_token": "forged", "email": A, "password": "x"})
    assert reply.status == 403 and FORGED in reply.text


def test_a_disabled_user_is_signed_out_and_cannot_sign_in_or_use_a_token(portal):
    client = portal["users"][GONE]
    assert client.get("/").status == 200
    disabled = run("portal", "disable", GONE, "--repo", str(portal["root"]))
    assert disabled.code == 0 and disabled.out == f"Disabled {GONE}\n"
    assert client.get("/").status == 303
    assert Client(portal["server"]).sign_in(GONE).status == 401
    api = Client(portal["server"], bearer=portal["gone_token"]).get("/api/statements")
    assert api.status == 401


def test_portal_users_lists_every_account(portal):
    listed = run("portal", "users", "--json", "--repo", str(portal["root"]))
    assert listed.code == 0
    emails = {user["email"]: user for user in __import__("json").loads(listed.out)}
    assert emails[A]["partner"] == "unicef" and emails[SEC]["role"] == "secretariat"
    assert emails[B]["password_set"] is True and emails[LATE]["password_set"] is False
    assert "password_hash" not in listed.out and "$argon2id$" not in listed.out


def test_add_user_refuses_an_unknown_partner(portal):
    added = run("portal", "add-user", "unicf", "x@y.example", "--repo", str(portal["root"]))
    assert added.code == 2
    assert added.err.startswith("Error: ") and "did you mean 'unicef'" in added.err


def test_secrets_are_stored_hashed(portal):
    import sqlite3

    database = sqlite3.connect(portal["root"] / ".accord" / "portal.sqlite")
    dump = "\n".join(database.iterdump())
    database.close()
    assert portal["a_token"] not in dump and portal["links"][A] not in dump
    assert "$argon2id$" in dump
    assert git(portal["root"], "status", "--porcelain", "--ignored", ".accord").startswith("!! .accord/")


# -- the security matrix ----------------------------------------------------------------------------------------

# (method, path, {role: expected status}); roles: anon, A (UNICEF), B (IOM), sec. POSTs carry the role's CSRF token.
MATRIX = [
    ("GET", "/", {"anon": 303, "A": 200, "B": 200, "sec": 200}),
    ("GET", "/statements/child-protection", {"anon": 303, "A": 200, "B": 200, "sec": 200}),
    ("GET", "/statements/iom-only", {"anon": 303, "A": 404, "B": 200, "sec": 200}),
    ("GET", "/statements/no-such-text", {"anon": 303, "A": 404, "B": 404, "sec": 404}),
    ("GET", "/statements/..%2F..%2Fetc", {"anon": 404, "A": 404, "B": 404, "sec": 404}),
    ("GET", "/statements/iom-only/changes", {"anon": 303, "A": 404, "B": 200}),
    ("GET", "/statements/iom-only/packet.docx", {"anon": 303, "A": 404}),
    ("GET", "/statements/iom-only/official.pdf", {"anon": 303, "A": 404}),
    ("GET", "/statements/shared-text/packet.docx", {"A": 200}),
    ("GET", "/statements/shared-text/changes?partner=iom", {"sec": 200}),
    ("GET", "/statements/shared-text/uploads/999", {"A": 404, "sec": 404}),
    ("GET", "/statements/shared-text/reviews/iom/shared-text", {"anon": 303, "A": 404}),
    ("GET", "/statements/shared-text/compilation", {"anon": 303, "A": 403, "B": 403, "sec": 200}),
    ("GET", "/dashboard", {"anon": 303, "A": 403, "B": 403, "sec": 200}),
    ("GET", "/users", {"anon": 303, "A": 403, "sec": 200}),
    ("POST", "/statements/iom-only/position", {"anon": 403, "A": 404}),
    ("POST", "/statements/child-protection/position", {"anon": 403, "sec": 403}),
    ("POST", "/statements/iom-only/reviews", {"anon": 403, "A": 404}),
    ("POST", "/users", {"anon": 403, "A": 403, "B": 403}),
    ("POST", "/users/disable", {"anon": 403, "A": 403}),
    ("GET", "/static/style.css", {"anon": 200}),
    ("GET", "/static/favicon.svg", {"anon": 200}),
    ("GET", "/static/../../accord.yaml", {"anon": 404}),
]

CSP = "default-src 'none'; style-src 'self'"


def _client(portal, role: str) -> Client:
    return {"anon": lambda: Client(portal["server"]), "A": lambda: portal["users"][A],
            "B": lambda: portal["users"][B], "sec": lambda: portal["users"][SEC]}[role]()


def test_every_role_gets_the_right_answer_on_every_page_and_every_response_has_a_strict_csp(portal):
    root = portal["root"]
    before = commits(root)
    wrong = []
    for method, path, expected in MATRIX:
        for role, status in expected.items():
            client = _client(portal, role)
            if method == "GET":
                reply = client.get(path)
            else:
                fields = {"csrf": client.csrf() if role != "anon" else "x", "position": "endorse",
                          "signatory": "Signer of UNICEF", "email": GONE}
                reply = client.post(path, fields)
            if reply.status != status:
                wrong.append(f"{role} {method} {path}: {reply.status}, not {status}: {reply.text[:200]}")
            csp = reply.headers.get("content-security-policy", "")
            if not csp.startswith(CSP) or "script" in csp or "unsafe" in csp:
                wrong.append(f"{role} {method} {path}: CSP {csp!r}")
            if reply.headers.get("x-content-type-options") != "nosniff":
                wrong.append(f"{role} {method} {path}: no nosniff")
    assert not wrong, "\n".join(wrong)
    assert commits(root) == before  # nothing refused reached git


def test_a_form_with_a_forged_or_missing_csrf_token_is_refused_and_changes_nothing(portal):
    root = portal["root"]
    before = commits(root)
    client = portal["users"][A]
    for fields in ({"csrf": "forged"}, {}):
        reply = client.post("/statements/child-protection/position",
                            {**fields, "position": "object", "signatory": "Signer of UNICEF"})
        assert reply.status == 403 and FORGED in reply.text
    assert commits(root) == before
    log = portal["users"][SEC].get("/users").text
    assert "forged-form" in log


def test_the_api_shows_a_token_only_its_partners_texts(portal):
    api = Client(portal["server"], bearer=portal["a_token"])
    listed = api.get("/api/statements")
    assert listed.status == 200
    assert [item["id"] for item in listed.json()] == ["child-protection", "shared-text"]
    one = api.get("/api/statements/shared-text")
    assert one.status == 200 and one.json()["signers"] == ["Signer of UNICEF"]
    assert one.json()["round"]["number"] == 1
    assert api.get("/api/statements/iom-only").status == 404
    assert api.get("/api/statements/no-such-text").status == 404
    assert Client(portal["server"]).get("/api/statements").status == 401
    assert Client(portal["server"], bearer="accord_forged").get("/api/statements").status == 401


def test_a_token_of_partner_a_cannot_touch_partner_bs_statement_nor_name_another_partner(portal):
    root = portal["root"]
    before = commits(root)
    api = Client(portal["server"], bearer=portal["a_token"])
    body = {"position": "endorse", "signatory": "Signer of UNICEF"}
    assert api.post_json("/api/statements/iom-only/position", body).status == 404
    assert api.post("/api/statements/iom-only/reviews", files={"file": ("x.docx", b"PK")}).status == 404
    named = api.post_json("/api/statements/child-protection/position", {**body, "partner": "iom"})
    assert named.status == 400
    assert named.json() == {"error": "unknown field 'partner' (the partner is always the token's: there is no "
                                     "partner field)"}
    assert commits(root) == before


def test_a_hostile_upload_is_refused_like_the_cli_refuses_it(portal):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                         '"file:///etc/passwd">]><Types>&e;</Types>')
        archive.writestr("word/document.xml", "<x/>")
    api = Client(portal["server"], bearer=portal["tokens"]["iom"])
    reply = api.post("/api/statements/shared-text/reviews", files={"file": ("evil.docx", buffer.getvalue())})
    assert reply.status == 400, reply.text
    assert "root:" not in reply.text
    too_big = api.request("POST", "/api/statements/shared-text/reviews", b"x" * (22 * 2**20),
                          "multipart/form-data; boundary=x")
    assert too_big.status == 413


# -- positions ------------------------------------------------------------------------------------------------

def test_a_position_with_a_reservation_recorded_on_the_form_lands_in_git_signed_by_the_portal(portal):
    root = portal["root"]
    client = portal["users"][A]
    page = client.get("/statements/shared-text")
    assert page.status == 200
    assert 'option value="endorse-with-reservations"' in page.text and "<option>Signer of UNICEF</option>" in page.text
    assert re.search(r'class="label[^"]*"[^>]*>1\.<', page.text), "paragraph labels are on the text"
    reply = client.post("/statements/shared-text/position", [
        ("csrf", page.field("csrf")), ("position", "endorse-with-reservations"), ("signatory", "Signer of UNICEF"),
        ("paragraph-0", "2"), ("reservation-0", "Age assessment <b>only</b> by specialists")])
    assert reply.status == 200, reply.text
    assert "UNICEF endorses shared-text with reservations" in reply.text
    assert "<b>only</b>" not in reply.text
    record = (root / "statements/shared-text/endorsements/unicef.yaml").read_text()
    entry = re.search(r"evidence:\n  kind: portal\n  ref: '(\d+)'", record).group(1)
    assert f"recorded_by: {A}" in record
    assert "- paragraph: '2'\n  text: Age assessment <b>only</b> by specialists" in record
    assert git(root, "log", "-1", "--format=%s").startswith("Endorsement: UNICEF endorses shared-text")
    verified = run("verify", "shared-text", "--repo", str(root))
    assert verified.code == 0, verified.out
    assert (f"statements/shared-text/endorsements/unicef.yaml: signed by the portal (for {A}, audit {entry})"
            in verified.out)
    shown = client.get("/statements/shared-text")
    assert "current" in shown.text and "reservation on paragraph 2" in shown.text
    status = run("status", "shared-text", "--repo", str(root))
    assert re.search(r"UNICEF\s+endorse-with-reservations\s+current\s+portal\s", status.out), (
        "a record the portal signed is not shown as signed by the partner")


def test_a_refused_position_says_why_and_commits_nothing(portal):
    root = portal["root"]
    before = commits(root)
    client = portal["users"][B]
    reply = client.post("/statements/iom-only/position", {
        "csrf": client.csrf(), "position": "endorse-with-reservations", "signatory": "Signer of IOM"})
    assert reply.status == 400
    assert "Not recorded: position endorse-with-reservations needs at least one reservation" in reply.text
    api = Client(portal["server"], bearer=portal["tokens"]["iom"])
    unknown = api.post_json("/api/statements/iom-only/position", {"position": "endorse", "signatory": "Amy Pope"})
    assert unknown.status == 400
    assert unknown.json()["error"] == "'Amy Pope' is not a registered signer of your organization (registered: Signer of IOM)"
    assert commits(root) == before


def test_a_record_claiming_the_portal_without_its_signature_fails_verify(portal, tmp_path):
    from helpers.alliance import copy_repository

    from accord.ledger import Evidence, render_record
    from accord.repo import Repo

    copy = copy_repository(portal["root"], tmp_path / "copy")
    text_hash = Repo(copy).load_statement("shared-text").text_sha256
    write(copy / "statements/shared-text/endorsements/iom.yaml", render_record(
        "shared-text", "iom", "endorse", text_hash, "Signer of IOM", recorded_by=B,
        evidence=Evidence("portal", "7")).decode())
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "A record written by hand, claiming the portal")
    verified = run("verify", "shared-text", "--repo", str(copy))
    assert verified.code == 1
    assert ("statements/shared-text/endorsements/iom.yaml: its evidence says the portal recorded it, but it "
            "carries no signature of the portal's key") in verified.out
    refused = run("endorse", "shared-text", "iom", "--position", "endorse", "--signatory", "Signer of IOM",
                  "--evidence", "portal:7", "--repo", str(copy))
    assert refused.code == 2
    assert refused.err.startswith("Error: unknown evidence kind 'portal'; use KIND:REF with KIND one of letter,")


def test_forty_partners_recording_positions_at_once_all_land_and_verify(portal):
    root = portal["root"]
    before = commits(root)

    def record(pid: str):
        api = Client(portal["server"], bearer=portal["tokens"][pid])
        return pid, api.post_json("/api/statements/child-protection/position",
                                  {"position": "endorse", "signatory": f"Signer of {pid.upper() if pid in EXTRA else _short(pid)}"})

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(CONCURRENT)) as pool:
        replies = list(pool.map(record, CONCURRENT))
    elapsed = time.perf_counter() - started
    print(f"\n40 concurrent position requests: {elapsed:.2f} s")
    refused = [f"{pid}: {reply.status} {reply.text}" for pid, reply in replies if reply.status != 201]
    assert not refused, "\n".join(refused)
    landed = {reply.json()["commit"] for _, reply in replies}
    assert len(landed) == 40 and commits(root) == before + 40
    for pid in CONCURRENT:
        record_text = (root / f"statements/child-protection/endorsements/{pid}.yaml").read_text()
        assert f"recorded_by: api@{pid}.example" in record_text
    assert git(root, "status", "--porcelain") == ""
    verified = run("verify", "child-protection", "--repo", str(root))
    assert verified.code == 0, verified.out
    assert "OK: 40 records verified (40 signed, 0 attested)" in verified.out


def _short(pid: str) -> str:
    from helpers.alliance import PARTNERS

    return PARTNERS[pid][1]


# -- returned DOCX, the redline, the secretariat --------------------------------------------------------------------

def test_an_uploaded_docx_is_imported_onto_its_branch_and_only_its_partner_sees_it(portal):
    root = portal["root"]
    b = portal["users"][B]
    packet = b.get("/statements/shared-text/packet.docx")
    assert packet.status == 200 and packet.body[:2] == b"PK"
    assert 'filename="shared-text-iom-round-1.docx"' in packet.headers["content-disposition"]
    returned = (WordEdits(packet.body, author="Ivan of IOM").replace("without delay", "within 24 hours")
                .comment("Age assessment", "Please define age assessment.").save())
    api = Client(portal["server"], bearer=portal["tokens"]["iom"])
    reply = api.post("/api/statements/shared-text/reviews", files={"file": ("../../IOM returns.docx", returned)})
    assert reply.status == 201, reply.text
    assert reply.json()["branch"] == "review/iom/shared-text"
    assert "Round 1: 1 change(s) applied, 1 comment(s); on branch review/iom/shared-text." == reply.json()["summary"]
    assert git(root, "log", "-1", "--format=%s", "review/iom/shared-text").strip()
    assert git(root, "status", "--porcelain") == ""
    upload = f"/statements/shared-text/uploads/{reply.json()['upload']}"
    assert b.get(upload).status == 200
    assert portal["users"][A].get(upload).status == 404
    assert portal["users"][A].get("/statements/shared-text/reviews/iom/shared-text").status == 404
    branch = b.get("/statements/shared-text/reviews/iom/shared-text")
    assert branch.status == 200 and "within 24 hours" in branch.text
    assert "IOM returns.docx" not in git(root, "ls-files")
    dashboard = portal["users"][SEC].get("/dashboard")
    assert "IOM returns.docx → review/iom/shared-text" in dashboard.text
    compilation = portal["users"][SEC].get("/statements/shared-text/compilation")
    assert compilation.status == 200 and "within 24 hours" in compilation.text
    assert "'sha256-" in compilation.headers["content-security-policy"]


def test_the_redline_since_the_last_endorsement_is_the_clis(portal):
    root = portal["root"]
    statement = root / "statements/iom-only/statement.md"
    api = Client(portal["server"], bearer=portal["tokens"]["iom"])
    assert api.post_json("/api/statements/iom-only/position",
                         {"position": "endorse", "signatory": "Signer of IOM"}).status == 201
    write(statement, statement.read_text().replace("without delay", "at once"))
    git(root, "commit", "-q", "-am", "Drafting change")
    b = portal["users"][B]
    page = b.get("/statements/iom-only")
    assert "stale: the text changed since" in page.text
    before = commits(root)
    packet = b.get("/statements/iom-only/packet.docx")  # no round: a packet is made, and its log committed
    assert packet.status == 200 and packet.body[:2] == b"PK"
    assert 'filename="iom-only-iom.docx"' in packet.headers["content-disposition"]
    assert commits(root) == before + 1 and git(root, "status", "--porcelain") == ""
    assert b.get("/statements/iom-only/packet.docx").body == packet.body and commits(root) == before + 1
    changes = b.get("/statements/iom-only/changes")
    assert changes.status == 200
    cli = run("diff", "iom-only", "--since-endorsement", "iom", "--format", "html", "--repo", str(root))
    assert changes.text == cli.out
    assert "<del>without delay</del>" in changes.text.replace(' class="edit"', "")


# -- in a real browser ----------------------------------------------------------------------------------------------

def test_sign_in_read_record_upload_and_see_it_on_the_dashboard_in_a_real_browser(portal, tmp_path):
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (pip install -e '.[test]')")
    from helpers.browser import find_chromium, ink_fraction, launched

    executable, why_not = find_chromium()
    if executable is None:
        pytest.skip(f"no headless browser: {why_not}")
    base = portal["server"].base
    with launched(executable, tmp_path) as browser:
        tab = browser.new_page()
        page = tab.page
        tab.goto(f"{base}/statements/shared-text")
        assert tab.url.startswith(f"{base}/sign-in")
        page.fill("input[name=email]", A)
        page.fill("input[name=password]", "correct horse battery staple")
        tab.click_and_wait("form[action='/sign-in'] button")
        assert tab.url == f"{base}/statements/shared-text"
        assert page.locator("article.text").inner_text().count("Age assessment should be a last resort") == 1
        packet = tab.click_and_download("#packet").read_bytes()
        returned = WordEdits(packet, author="Amira of UNICEF").replace("a last resort", "the very last resort").save()
        upload = tmp_path / "unicef-returned.docx"
        upload.write_bytes(returned)
        page.set_input_files("input[name=file]", str(upload))
        tab.click_and_wait("#upload-form button")
        assert "/uploads/" in tab.url
        assert page.locator("#message").inner_text() == ("Round 1: 1 change(s) applied, 0 comment(s); on branch "
                                                        "review/unicef/shared-text.")
        tab.goto(f"{base}/statements/shared-text")
        page.select_option("select[name=position]", "endorse-with-reservations")
        page.select_option("select[name=signatory]", "Signer of UNICEF")
        page.select_option("select[name=paragraph-0]", "1")
        page.fill("input[name=reservation-0]", "Guardians within one day")
        tab.click_and_wait("#position-form button")
        assert page.locator("#message").inner_text().startswith("UNICEF endorses shared-text with reservations")
        shot = tab.screenshot(scale=0.5)
        tab.goto(f"{base}/statements/shared-text/changes")  # the CLI's redline page: its inline style is allowed
        assert "No changes: both versions have the same text." in page.locator("body").inner_text()
        assert page.evaluate("getComputedStyle(document.querySelector('header.redline')).borderBottomStyle") == "solid"
        tab.goto(f"{base}/statements/shared-text")
        tab.click_and_wait("form[action='/sign-out'] button")
        page.fill("input[name=email]", SEC)
        page.fill("input[name=password]", "correct horse battery staple")
        tab.click_and_wait("form[action='/sign-in'] button")
        tab.goto(f"{base}/dashboard")
        row = page.locator("#round-shared-text tr", has_text="UNICEF").inner_text()
        assert "unicef-returned.docx → review/unicef/shared-text" in row
        assert "endorse-with-reservations" in row
        dashboard_shot = tab.screenshot(scale=0.5)
        assert tab.errors == []  # no CSP violation, no failed load, no script error
    for png in (shot, dashboard_shot):
        ink, colours = ink_fraction(png)
        assert ink > 0.03 and colours > 8, (ink, colours)


def test_the_secretariat_adds_and_disables_users_on_the_users_page_and_every_action_is_audited(portal):
    sec = portal["users"][SEC]
    page = sec.get("/users")
    added = sec.post("/users", {"csrf": page.field("csrf"), "email": "new@ecpat.example", "role": "partner",
                                "partner": "ecpat"})
    assert added.status == 200
    assert "Added new@ecpat.example: send them this one-time sign-in link (valid for 72 hours)." in added.text
    link = re.search(r'<code id="link">http://127\.0\.0\.1:\d+/welcome/([^<]+)</code>', added.text).group(1)
    newcomer = Client(portal["server"])
    assert newcomer.welcome(link).status == 303
    assert "Texts ECPAT is invited to" in newcomer.get("/").text
    disabled = sec.post("/users/disable", {"csrf": added.field("csrf"), "email": "new@ecpat.example"})
    assert "Disabled new@ecpat.example." in disabled.text
    assert newcomer.get("/").status == 303
    log = disabled.text
    for action in ("add-user", "disable-user", "set-password", "sign-in", "view"):
        assert f"<td>{action}</td>" in log, action
    assert "<td>command line</td>" in log and "<td>127.0.0.1</td>" in log


def test_one_address_failing_on_many_accounts_is_locked_out_too(tmp_path):
    from accord.portal.auth import LOCKED, WRONG, hash_password, sign_in

    accounts = Accounts(tmp_path / "portal.sqlite")
    user, _ = accounts.add_user("real@unicef.example", "unicef", "partner")
    accounts.set_password_hash(user, hash_password("the real password, long enough"))
    for number in range(20):
        assert sign_in(accounts, f"guess{number}@unicef.example", "password", "203.0.113.9").message == WRONG
    assert sign_in(accounts, "real@unicef.example", "the real password, long enough", "203.0.113.9").message == LOCKED
    assert sign_in(accounts, "real@unicef.example", "the real password, long enough", "198.51.100.1").user.id == user.id
