"""`accord status`, `accord endorse` and `accord verify`: the endorsement ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .common import echo_json, fail, repo_option

if TYPE_CHECKING:
    from ..ledger import LedgerStatus, UnreadableStatement
    from ..ledger.gate import Standing
    from ..repo import Repo
    from ..statement import Statement

LEGEND = ("E endorse  R with reservations  N no objection  A abstain  X object  W withdrawn\n"
          "~ stale (the text changed since)  . invited, not yet heard from")


@click.command()
@click.argument("statement_id", metavar="[ID]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@repo_option
def status(statement_id: str | None, as_json: bool, repo: Repo) -> None:
    """Show where statements stand in the ledger, and the release gate.

    With ID: the text hash, each partner's position (current or stale; signed,
    portal or attested), reservations, invited partners not yet heard from, and every
    reason the gate is closed. Without ID: a statements x partners matrix. "signed"
    means a signer's signature is filed, "portal" the partner portal's signature for a
    user it signed in; `accord verify` checks either. Exit 0 either way."""
    if statement_id is not None:
        from ..i18n.translations import translation_versions
        from ..ledger import ledger_status
        from ..rounds.status import status_json, status_lines

        result = ledger_status(repo, statement_id, lifecycle=True)
        if as_json:
            echo_json({**result.as_dict(), "round": status_json(repo, statement_id),
                       "translations": [v.as_dict() for v in translation_versions(repo, result.statement)]})
        else:
            _print_statement(result, repo)
            for line in status_lines(repo, statement_id):  # the open round's deadline, who is overdue or late
                click.echo(line)
        return
    from ..ledger.reading import bulk_reading

    with bulk_reading():  # collected by reference counting as _status_all returns: nothing is left to walk
        _status_all(repo, as_json)


def _status_all(repo: Repo, as_json: bool) -> None:
    from ..i18n.translations import translation_versions
    from ..ledger import LedgerStatus, ledger_statuses

    results = ledger_statuses(repo, lifecycle=True)
    translations = {result.id: translation_versions(repo, result.statement) for result in results
                    if isinstance(result, LedgerStatus)}
    if as_json:
        _echo_json_lines([{**result.as_dict(), "translations": [v.as_dict() for v in translations[result.id]]}
                          if result.id in translations else result.as_dict() for result in results])
    else:
        _print_matrix(results, repo)
        _print_translations(translations)


def _echo_json_lines(items: list[dict[str, Any]]) -> None:
    """A JSON list with one statement per line: readable, and fast for thousands of records
    (indented output goes through the pure-Python encoder)."""
    import json

    # json.dumps's encoder, made once; as_dict makes a fresh tree, which has no cycle to look for (a third of the
    # time of encoding 1,000 statements went to keeping every list and map in a table to find one)
    encode = json.JSONEncoder(ensure_ascii=False, default=str, check_circular=False).encode
    lines = ",\n".join(encode(item) for item in items)
    # color=True: JSON escapes every control character, so there is no ANSI code for click to strip (a search of
    # the whole text, 9 MB at 1,000 statements, when stdout is not a terminal)
    click.echo(f"[\n{lines}\n]" if items else "[]", color=True)


def _print_statement(result: LedgerStatus, repo: Repo | None = None) -> None:
    from ..labels import reservation_moves
    from ..statement import Statement

    statement = result.statement
    if not isinstance(statement, Statement):  # a summary from the parse memo: status of one text has the text
        raise TypeError(f"the status of {statement.id} was read from the memo, not from its text")
    click.echo(f"{statement.id}: {statement.title}")
    click.echo(f"Status: {statement.status}")
    click.echo(f"Text:   {statement.text_sha256}")
    click.echo()
    if result.standings:
        rows = [(s.label, s.record.position, "current" if s.current else "stale",
                 s.vouched, s.record.recorded_at.isoformat(), s.record.signatory)
                for s in result.standings]
        widths = [max(len(row[column]) for row in rows) for column in range(5)]
        for standing, row in zip(result.standings, rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths)]
            cells[1] = click.style(cells[1], fg=_colour(standing))
            click.echo("  ".join([*cells, row[5]]).rstrip())
            moves = reservation_moves(repo, statement, standing.record) if repo is not None else {}
            for reservation in standing.record.reservations:
                where = f" on paragraph {reservation.paragraph}" if reservation.paragraph else ""
                moved = moves.get(str(reservation.paragraph))
                click.echo(f"{'':{widths[0]}}    reservation{where}: {reservation.text}"
                           + (f" [{moved}]" if moved else ""))
    else:
        click.echo("No positions recorded yet.")
    if result.pending:
        click.echo(f"Not yet heard from: {', '.join(result.labels.get(p, p) for p in result.pending)}")
    _print_versions(repo, statement)
    click.echo()
    if result.gate.ok:
        click.echo(f"Gate: {click.style('open', fg='green')}")
    else:
        click.echo(f"Gate: {click.style('closed', fg='red')}")
        for problem in result.gate.problems:
            click.echo(f"  - {problem}")


def _print_versions(repo: Repo | None, statement: Statement) -> None:
    """The language versions, when the statement has any: `fr  checked  current  statements/.../statement.fr.md`."""
    from ..i18n.translations import language_versions

    if repo is None:
        return
    versions = language_versions(repo, statement)
    if len(versions) < 2:
        return
    click.echo()
    click.echo("Languages:")
    width = max(len(version.language) for version in versions)
    colours = {"source": None, "current": "green", "stale": "yellow", "unreadable": "red"}
    for version in versions:
        state = "missing" if version.problem == "missing" else version.state
        what = ("source" if version.source else
                f"{version.translation_status or '-'}, {click.style(state, fg=colours.get(state, 'red'))}")
        if not version.source and not version.current and version.translation_of:
            what += f" (renders {version.translation_of[:8]})"
        if version.required:
            what += ", required for release"
        click.echo(f"  {version.language.ljust(width)}  {what}  {version.file}")


def _print_translations(translations: dict[str, list[Any]]) -> None:
    """Under the matrix: each statement's language versions, current or stale."""
    shown = {sid: versions for sid, versions in translations.items() if versions}
    if not shown:
        return
    click.echo()
    click.echo("Translations:")
    for statement_id, versions in shown.items():
        cells = []
        for version in versions:
            state = "missing" if version.problem == "missing" else version.state
            colour = {"current": "green", "stale": "yellow"}.get(state, "red")
            cells.append(f"{version.language} {click.style(state, fg=colour)}")
        click.echo(f"  {statement_id}: {', '.join(cells)}")


def _colour(standing: Standing) -> str | None:
    if standing.objecting:
        return "red"
    if not standing.current:
        return "yellow"
    return "green" if standing.counting else None


def _print_matrix(results: list[LedgerStatus | UnreadableStatement], repo: Repo) -> None:
    from ..ledger import LedgerStatus

    statuses = [result for result in results if isinstance(result, LedgerStatus)]
    if not results:
        click.echo("No statements yet.")
        return
    involved = {pid for s in statuses for pid in (*s.statement.endorsement.invited, *(x.partner for x in s.standings))}
    partners = repo.partners()
    order = {pid: index for index, pid in enumerate(repo.settings.partners_order)}
    columns = sorted(involved, key=lambda pid: (order.get(pid, len(order)),
                                                 (partners[pid].label if pid in partners else pid).casefold()))
    headers = [partners[pid].label if pid in partners else pid for pid in columns]
    widths = [max(len(header), 2) for header in headers]
    id_width = max([len("statement"), *(len(result.id) for result in results)])
    click.echo("  ".join(["statement".ljust(id_width), *(h.ljust(w) for h, w in zip(headers, widths)), "gate"]))
    for result in results:
        if not isinstance(result, LedgerStatus):
            click.echo(f"{result.id.ljust(id_width)}  {click.style('unreadable: run accord check', fg='red')}")
            continue
        by_partner = {standing.partner: standing for standing in result.standings}
        cells = []
        for pid, width in zip(columns, widths):
            standing = by_partner.get(pid)
            if standing is not None:
                cell = standing.record.position.letter + ("" if standing.current else "~")
                cells.append(click.style(cell.ljust(width), fg=_colour(standing)))
            elif pid in result.statement.endorsement.invited:
                cells.append(click.style(".".ljust(width), dim=True))
            else:
                cells.append(" " * width)
        if result.statement.status == "published":
            version = getattr(result.statement, "version", None)
            gate = click.style(f"published v{version}" if version else "published", fg="blue")
        else:
            gate = click.style("open", fg="green") if result.gate.ok else click.style("closed", fg="red")
        click.echo("  ".join([result.id.ljust(id_width), *cells, gate]))
    click.echo()
    click.echo(LEGEND)


@click.command()
@click.argument("statement_id", metavar="ID")
@click.argument("partner_id", metavar="PARTNER")
@click.option("--position", required=True, metavar="POS",
              help="endorse, endorse-with-reservations, no-objection, abstain, object or withdrawn.")
@click.option("--signatory", required=True, metavar="TEXT",
              help="Who signed for the partner: a signer in partners/PARTNER.yaml, by name (and title) or principal.")
@click.option("--unregistered-signatory", is_flag=True,
              help="The signatory is not a signer in partners/PARTNER.yaml; the record says so.")
@click.option("--reservation", "reservations", multiple=True, metavar="TEXT",
              help='A reservation; "10(f): text" ties it to paragraph 10(f). Repeatable.')
@click.option("--evidence", metavar="KIND:REF",
              help="What proves the position: letter:REF, note-verbale:REF, email:REF, meeting:REF, url:URL, "
                   "silence:REF (with no-objection) or none.")
@click.option("--date", "letter_date", metavar="YYYY-MM-DD",
              help="The date of the partner's letter, note or meeting (recorded_at stays the day it is typed in).")
@click.option("--reason", metavar="TEXT", help="Why the partner objects, abstains or withdraws.")
@click.option("--recorded-by", metavar="NAME", help="Who is recording it (default: your git identity).")
@click.option("--sign", "keyfile", metavar="KEYFILE",
              help="Sign the record with this SSH private key (a signer's key in partners/PARTNER.yaml).")
@click.option("--no-commit", is_flag=True, help="Write the record but leave committing it to you.")
@repo_option
def endorse(statement_id: str, partner_id: str, position: str, signatory: str, unregistered_signatory: bool,
            reservations: tuple[str, ...], evidence: str | None, letter_date: str | None, reason: str | None,
            recorded_by: str | None, keyfile: str | None, no_commit: bool, repo: Repo) -> None:
    """Record PARTNER's position on the committed text of statement ID.

    Writes statements/ID/endorsements/PARTNER.yaml, bound to the canonical text
    hash of the committed text (uncommitted text changes are refused) and
    superseding the partner's previous record, signs it with --sign, and commits
    only that record (and its signature) unless --no-commit. Withdrawn and
    published texts take no positions."""
    from ..errors import SignatoryError
    from ..ledger import parse_date, parse_evidence, parse_reservation, record_position

    try:
        recorded = record_position(
            repo, statement_id, partner_id, position, signatory,
            reservations=[parse_reservation(text) for text in reservations],
            evidence=parse_evidence(evidence) if evidence is not None else None,
            recorded_by=recorded_by, keyfile=keyfile, commit=not no_commit,
            date=parse_date(letter_date) if letter_date is not None else None, reason=reason,
            unregistered_signatory=unregistered_signatory)
    except SignatoryError as error:
        raise SignatoryError(f"{error.message} (--unregistered-signatory)") from None
    click.echo(recorded.summary)
    click.echo(f"Wrote {repo.rel(recorded.path)}")
    if recorded.signature_path is not None:
        click.echo(f"Wrote {repo.rel(recorded.signature_path)} (signed as {recorded.principal})")
    click.echo(f"Committed {recorded.commit[:7]}" if recorded.commit else "Not committed (--no-commit)")


@click.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@repo_option
def verify(ids: tuple[str, ...], as_json: bool, repo: Repo) -> None:
    """Verify the ledger: signatures, the names in each record, and its git history.

    A signed record must carry a good signature by its signatory, a signer of that
    very partner as partners/ stood at the commit that added the record (exact
    principals, key validity windows); every record must name the statement and
    partner it is filed under, and its supersedes chain must agree with the whole
    git history (every merge against each parent), so a deleted, rolled-back or
    merged-away record is reported. Unsigned records are attested, not failures,
    but may not replace a signed record (objections aside). Key changes in
    partners/ without authorisation are reported. Exit 0 when all pass, 1 with one
    line per failure."""
    from ..ledger import verify_ledger

    checks = verify_ledger(repo, list(ids))
    failures = [problem for check in checks for problem in check.problems]
    if as_json:
        echo_json({"ok": not failures, "records": [check.as_dict() for check in checks]})
    else:
        for check in checks:
            if check.problems:
                for problem in check.problems:
                    click.echo(str(problem))
            elif check.signed:
                click.echo(f"{check.path}: signed by {check.principal}")
            else:
                click.echo(f"{check.path}: attested (not signed)")
        records = len(checks)
        if failures:
            click.echo(f"{len(failures)} failure{'s' if len(failures) != 1 else ''} in "
                       f"{records} record{'s' if records != 1 else ''}", err=True)
        else:
            signed = sum(1 for check in checks if check.signed)
            click.echo(f"OK: {records} record{'s' if records != 1 else ''} verified "
                       f"({signed} signed, {records - signed} attested)")
    if failures:
        fail(1)


@click.command("authorise-keys")
@click.argument("partner_id", metavar="[PARTNER]", required=False)
@click.option("--settings", is_flag=True,
              help="Sign accord.yaml instead: a key added to its secretariat-keys or portal-keys.")
@click.option("--sign", "keyfile", required=True, metavar="KEYFILE",
              help="A secretariat key (accord.yaml secretariat-keys) or the key of another signer of PARTNER.")
@repo_option
def authorise_keys(partner_id: str | None, settings: bool, keyfile: str, repo: Repo) -> None:
    """Authorise a key change in partners/PARTNER.yaml (or, with --settings, in accord.yaml) by signing the file.

    Writes partners/PARTNER.yaml.sig (or accord.yaml.sig); commit it together with the
    key change. `accord verify` trusts a key that a commit adds or replaces only when that
    commit carries this signature by another signer of PARTNER or by a secretariat key,
    as registered before the commit. accord.yaml's own keys (secretariat-keys,
    portal-keys) are the root of that trust: once a secretariat key is listed, only a
    secretariat key listed before may authorise a key added there."""
    from ..errors import UsageError
    from ..partners import authorise_registry, authorise_settings

    if settings == (partner_id is not None):
        raise UsageError("give PARTNER, or --settings for accord.yaml's own keys (not both)")
    if settings:
        written = authorise_settings(repo, keyfile)
        click.echo(f"Wrote {repo.rel(written)}: commit it with accord.yaml")
        return
    assert partner_id is not None
    written = authorise_registry(repo, partner_id, keyfile)
    click.echo(f"Wrote {repo.rel(written)}: commit it with partners/{partner_id}.yaml")
