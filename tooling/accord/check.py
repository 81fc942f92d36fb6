"""`accord check`: every statement, partner and endorsement file validated, all problems at once."""

from __future__ import annotations

import re

from .errors import Problem, did_you_mean
from .labels import reservation_findings
from .ledger import read_record
from .partners import Partner, read_partners
from .repo import Repo
from .schema import SLUG
from .statement import (RAW_FORMATS, SCRIPT_LINK_REFUSAL, Statement, conflict_marker_problems, parse_statement,
                        script_links, shown_target)
from .yamlio import LineDict, read_text_file

_RAW = re.compile(r"\{=([A-Za-z0-9_+-]+)\}")


def check_repo(repo: Repo, ids: list[str] | tuple[str, ...] = (), notes: list[Problem] | None = None) -> list[Problem]:
    """All problems in the repository (or in the named statements and the registry), sorted by place.

    `notes`, when given, receives findings that are not problems (reservations stored as plain
    numbers from before paragraph labels, and what each is read as)."""
    problems: list[Problem] = []
    _, settings_problems = repo.read_settings()
    problems.extend(settings_problems)
    partners, partner_problems = read_partners(repo.partners_dir, repo.root)
    problems.extend(partner_problems)
    for statement_id in (ids or _statement_folders(repo, problems)):
        problems.extend(check_statement(repo, statement_id, partners, notes))
    if notes is not None:
        notes[:] = sorted(set(notes), key=lambda p: (p.path, p.line or 0, p.message))
    return sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.message))


def _statement_folders(repo: Repo, problems: list[Problem]) -> list[str]:
    if not repo.statements_dir.is_dir():
        return []
    folders = []
    for entry in sorted(repo.statements_dir.iterdir()):
        display = repo.rel(entry)
        if not entry.is_dir():
            continue
        if not (entry / "statement.md").exists():
            problems.append(Problem(display, None, "folder has no statement.md"))
            continue
        folders.append(entry.name)
    return folders


def check_statement(repo: Repo, statement_id: str, partners: dict[str, Partner], notes: list[Problem] | None = None) -> list[Problem]:
    path = repo.statement_file(statement_id)
    display = repo.rel(path)
    problems: list[Problem] = []
    if not SLUG.fullmatch(statement_id):
        problems.append(Problem(repo.rel(path.parent), None,
                                f"folder name '{statement_id}' is not a valid id (use a-z, 0-9 and '-', 2 to 63 characters)"))
    text, problem = read_text_file(path, display)
    if problem or text is None:
        return [*problems, *([problem] if problem else [])]
    statement, found = parse_statement(text, display, path)
    problems.extend(found)
    problems.extend(conflict_marker_problems(text, display))
    if statement is not None:
        problems.extend(_check_statement_content(statement, statement_id, display, partners))
    problems.extend(_check_endorsements(repo, statement_id, partners,
                                        statement.endorsement.invited if statement is not None else None,
                                        statement, notes))
    problems.extend(rounds_problems(repo, statement_id))
    problems.extend(translation_problems(repo, statement_id, statement))
    return problems


def translation_problems(repo: Repo, statement_id: str, statement: Statement | None) -> list[Problem]:
    """Every statement.LANG.md beside the source must read and have its paragraphs (accord/i18n/translations.py)."""
    from .i18n.translations import translation_problems as problems_of

    return problems_of(repo, statement_id, statement)


def rounds_problems(repo: Repo, statement_id: str) -> list[Problem]:
    """reviews/rounds.yaml, when there is one, must read (see accord/rounds/model.py)."""
    from .rounds.model import rounds_problems as problems_of

    return problems_of(repo, statement_id)


def _check_statement_content(statement: Statement, folder: str, display: str, partners: dict[str, Partner]) -> list[Problem]:
    problems = []
    front = statement.front_matter_tree
    if statement.id != folder:
        problems.append(Problem(display, _line(front, "id"), f"id '{statement.id}' differs from its folder '{folder}'"))
    policy = statement.endorsement
    policy_tree = front.get("endorsement") if isinstance(front, dict) else None
    for key, ids in (("invited", policy.invited), ("required", policy.required)):
        items = policy_tree.get(key) if isinstance(policy_tree, dict) else None
        lines = getattr(items, "item_lines", [None] * len(ids))
        for index, partner_id in enumerate(ids):
            if partner_id not in partners:
                problems.append(Problem(display, lines[index], f"unknown partner '{partner_id}'{did_you_mean(partner_id, partners)}"))
            elif key == "required" and partner_id not in policy.invited:
                problems.append(Problem(display, lines[index], f"required partner '{partner_id}' is not invited"))
    if policy.threshold > len(policy.invited) and policy.invited:
        problems.append(Problem(display, _line(policy_tree, "threshold"),
                                f"threshold {policy.threshold} is more than the {len(policy.invited)} invited partners"))
    problems.extend(body_problems(statement, display))
    return problems


def body_problems(statement: Statement, display: str) -> list[Problem]:
    """Raw blocks the front matter does not allow, and links that run code, in a statement's (or a language
    version's) body."""
    problems = []
    for number, line in enumerate(statement.body.split("\n"), statement.body_line):
        for match in _RAW.finditer(line):
            fmt = match.group(1).lower()
            if fmt not in statement.allow_raw:
                allowed = " (add it to 'allow-raw' in the front matter to allow it)" if fmt in RAW_FORMATS else ""
                problems.append(Problem(display, number, f"raw {fmt} block is not allowed{allowed}"))
    for number, target in script_links(statement.body, statement.body_line):
        problems.append(Problem(display, number, f"link target '{shown_target(target)}' {SCRIPT_LINK_REFUSAL}"))
    return problems


def _check_endorsements(repo: Repo, statement_id: str, partners: dict[str, Partner], invited: tuple[str, ...] | None = None,
                        statement: Statement | None = None, notes: list[Problem] | None = None) -> list[Problem]:
    folder = repo.endorsements_dir(statement_id)
    if not folder.is_dir():
        return []
    problems = []
    for path in sorted(folder.iterdir()):
        display = repo.rel(path)
        if path.name.endswith(".yaml.sig"):
            if not path.with_name(path.name[:-4]).exists():
                problems.append(Problem(display, None, "signature without its record"))
            continue
        if path.suffix != ".yaml":
            problems.append(Problem(display, None, "unexpected file in endorsements/ (records are <partner>.yaml)"))
            continue
        record, found = read_record(path, display)
        problems.extend(found)
        if record is None:
            continue
        text = path.read_text("utf-8", errors="replace")
        problems.extend(Problem(display, _text_line(text, key), message)
                        for key, message in record.filing_problems(statement_id, path.stem))
        if record.partner not in partners:
            problems.append(Problem(display, _text_line(text, "partner"),
                                    f"unknown partner '{record.partner}'{did_you_mean(record.partner, partners)}"))
        elif invited is not None and record.partner == path.stem and record.partner not in invited:
            problems.append(Problem(display, _text_line(text, "partner"),
                                    f"partner '{record.partner}' is not invited to endorse '{statement_id}'; "
                                    "its record never counts"))
        if statement is not None and record.reservations:
            found, noted = reservation_findings(repo, statement, record, display, text)
            problems.extend(found)
            if notes is not None:
                notes.extend(noted)
    return problems


def _line(tree: object, key: str) -> int | None:
    if isinstance(tree, LineDict):
        return tree.line_of(key)
    return None


def _text_line(text: str, key: str) -> int | None:
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith(f"{key}:"):
            return number
    return None


