"""`accord serve` and `accord portal add-user|users|disable|token|link|keygen`: the partner portal."""

from __future__ import annotations

import click

from .common import echo_json, repo_option

DEFAULT_KEY = ".accord/portal_ed25519"
URL_VARIABLE = "ACCORD_PORTAL_URL"
COMMAND_LINE = "command line"  # where the audit log says an `accord portal` command acted from

database_option = click.option("--database", metavar="FILE", default=None,
                               help="The portal's SQLite database (default: .accord/portal.sqlite in the repository).")


def _accounts(repo, database):
    from ..portal.accounts import Accounts

    return Accounts.of_repo(repo.root, database)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port to listen on.")
@click.option("--key", "keyfile", metavar="KEYFILE", default=None,
              help=f"The portal's SSH private key, listed under portal-keys in accord.yaml (default: {DEFAULT_KEY}).")
@database_option
@click.option("--secure-cookies", is_flag=True,
              help="Mark cookies Secure (behind a TLS reverse proxy that does not send X-Forwarded-Proto).")
@click.option("--forwarded-allow-ips", metavar="IPS", default=None,
              help="Trust X-Forwarded-For/-Proto from these proxy addresses (uvicorn's option; default 127.0.0.1).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]), help="uvicorn's log level.")
@repo_option
def serve(host, port, keyfile, database, secure_cookies, forwarded_allow_ips, log_level, repo):
    """Run the partner portal: partners sign in, read their texts, record positions and upload returned DOCX.

    One uvicorn worker process serves the Starlette application; accounts, sessions
    and the audit log are in the SQLite database, never in git. Every position is
    committed as `accord endorse` would, signed with the portal's key (which
    accord.yaml must list under portal-keys, so that `accord verify` can check that
    the portal attested it)."""
    import os
    from pathlib import Path

    import uvicorn

    from ..errors import PortalError
    from ..history import config_value
    from ..ledger import portal_signing_key
    from ..portal.app import Portal, create_app

    key = Path(keyfile) if keyfile else repo.root / DEFAULT_KEY
    if not key.exists():
        raise PortalError(f"no portal key at {key}: make one with `accord portal keygen`, list its public key under "
                          "portal-keys in accord.yaml, and commit")
    portal_signing_key(repo, key)  # refuses a key accord.yaml does not list
    accounts = _accounts(repo, database)
    accounts.create()
    if config_value(repo.root, "user.email") is None:
        # the portal's commits need a committer; the author of each record is in the record (recorded_by)
        for variable, value in (("GIT_AUTHOR_NAME", "accord portal"), ("GIT_AUTHOR_EMAIL", "portal@accord.invalid"),
                                ("GIT_COMMITTER_NAME", "accord portal"),
                                ("GIT_COMMITTER_EMAIL", "portal@accord.invalid")):
            os.environ.setdefault(variable, value)
    app = create_app(Portal(repo.root, accounts, key.resolve(), secure_cookies=secure_cookies))
    click.echo(f"Serving the partner portal of {repo.root} on http://{host}:{port} (Ctrl-C stops it)")
    uvicorn.run(app, host=host, port=port, workers=1, log_level=log_level, proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips, server_header=False)


@click.group()
def portal():
    """Manage the partner portal's users, tokens and key (the portal itself runs with `accord serve`)."""


@portal.command("add-user")
@click.argument("partner_id", metavar="PARTNER")
@click.argument("email", metavar="EMAIL")
@click.option("--role", type=click.Choice(["partner", "secretariat"]), default="partner", show_default=True,
              help="A partner user sees their partner's texts only; the secretariat sees everything (PARTNER: -).")
@click.option("--url", metavar="URL", default=None,
              help=f"The portal's public address, for the link (default: ${URL_VARIABLE}, else http://127.0.0.1:8000).")
@database_option
@repo_option
def add_user(partner_id, email, role, url, database, repo):
    """Add a user and print their one-time sign-in link (valid for 72 hours), where they choose a password."""
    from ..errors import PortalError
    from ..partners import require_partner

    if role == "secretariat":
        if partner_id not in ("-", "secretariat"):
            raise PortalError("a secretariat user belongs to no partner: pass - as PARTNER")
        partner = None
    else:
        partner = require_partner(repo.partners(), partner_id).id
    accounts = _accounts(repo, database)
    user, secret = accounts.add_user(email, partner, role)
    accounts.audit("add-user", target=user.email, address=COMMAND_LINE, detail=f"{role} {partner or ''}".strip())
    click.echo(f"{user.email} ({partner or 'secretariat'}): sign-in link, valid 72 hours: {_base(url)}/welcome/{secret}")


@portal.command()
@click.argument("email", metavar="EMAIL")
@click.option("--url", metavar="URL", default=None, help="The portal's public address, for the link.")
@database_option
@repo_option
def link(email, url, database, repo):
    """Print a new one-time sign-in link for a user (who forgot their password), valid for 72 hours."""
    accounts = _accounts(repo, database).require()
    secret = accounts.new_link(email)
    accounts.audit("new-link", target=email, address=COMMAND_LINE)
    click.echo(f"{email}: sign-in link, valid 72 hours: {_base(url)}/welcome/{secret}")


def _base(url):
    import os

    return (url or os.environ.get(URL_VARIABLE) or "http://127.0.0.1:8000").rstrip("/")


@portal.command()
@click.option("--json", "as_json", is_flag=True, help="Print the users as JSON.")
@database_option
@repo_option
def users(as_json, database, repo):
    """List the portal's users: e-mail, role, partner, whether a password is set, disabled."""
    found = _accounts(repo, database).require().users()
    if as_json:
        echo_json([user.as_dict() for user in found])
        return
    if not found:
        click.echo("No users yet.")
    for user in found:
        state = "disabled" if user.disabled else ("active" if user.has_password else "link not used yet")
        click.echo(f"{user.email}  {user.role}  {user.partner or '-'}  {state}")


@portal.command()
@click.argument("email", metavar="EMAIL")
@database_option
@repo_option
def disable(email, database, repo):
    """Disable a user: their sessions end at once, and their tokens and links stop working."""
    accounts = _accounts(repo, database).require()
    user = accounts.disable(email)
    accounts.audit("disable-user", target=user.email, address=COMMAND_LINE)
    click.echo(f"Disabled {user.email}")


@portal.command()
@click.argument("email", metavar="EMAIL")
@database_option
@repo_option
def token(email, database, repo):
    """Print a new API token for a user's scripts (Authorization: Bearer TOKEN); it is stored hashed, shown once."""
    accounts = _accounts(repo, database).require()
    secret = accounts.new_token(email)
    accounts.audit("new-token", target=email, address=COMMAND_LINE)
    click.echo(secret)


@portal.command()
@repo_option
def keygen(repo):
    """Make the portal's signing key (.accord/portal_ed25519, git-ignored) and print the line for accord.yaml."""
    import subprocess

    from ..errors import PortalError
    from ..portal.accounts import Accounts
    from ..signing import ssh_keygen

    key = repo.root / DEFAULT_KEY
    if key.exists():
        raise PortalError(f"{DEFAULT_KEY} exists already; accord never overwrites a key")
    Accounts.of_repo(repo.root).create()  # makes .accord/ with its .gitignore
    result = subprocess.run([ssh_keygen(), "-q", "-t", "ed25519", "-N", "", "-C", "accord-portal", "-f", str(key)],
                            capture_output=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise PortalError(f"ssh-keygen could not make the key: {result.stderr.decode(errors='replace').strip()}")
    public = key.with_name(key.name + ".pub").read_text(encoding="ascii").strip()
    click.echo(f"Wrote {DEFAULT_KEY}; add its public key to accord.yaml and commit:")
    click.echo(f"portal-keys:\n  - {public}")
