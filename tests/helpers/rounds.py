"""What the consultation-round tests share: an alliance of seven invited partners and a clock to set."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from helpers.alliance import copy_of_template, git, make_alliance, write

ID = "child-protection"
S = f"statements/{ID}/statement.md"
ROUNDS = f"statements/{ID}/reviews/rounds.yaml"
EXTRA_PARTNERS = {"ilo": ("International Labour Organization", "ILO", "igo"),
                  "coe": ("Council of Europe", "CoE", "igo")}
INVITED = ["unicef", "iom", "unodc", "ecpat", "lastrada", "ilo", "coe"]


def consultation_repo(root: Path) -> Path:
    """The test alliance with seven invited partners, contacts for most, and build/ ignored (made once per
    test process; each caller gets its own copy)."""
    return copy_of_template(("consultation",), root, _build_consultation_repo)


def _build_consultation_repo(root: Path) -> Path:
    make_alliance(root, gitignore="/build/\n")
    for partner_id, (name, short, kind) in EXTRA_PARTNERS.items():
        write(root / "partners" / f"{partner_id}.yaml", f"id: {partner_id}\nname: {name}\nshort: {short}\nkind: {kind}\n")
    for partner_id in INVITED[:6]:
        path = root / "partners" / f"{partner_id}.yaml"
        path.write_text(path.read_text() + f"contacts:\n  - name: Desk Officer {partner_id.upper()}\n"
                        f"    email: desk@{partner_id}.example\n", encoding="utf-8")
    statement = root / S
    statement.write_text(statement.read_text().replace("invited: [unicef, iom, unodc, ecpat]",
                                                       f"invited: [{', '.join(INVITED)}]"), encoding="utf-8")
    write(root / "accord.yaml", "organization: Test Alliance\nteam: Test Team\ntimezone: Europe/Vienna\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Seven partners invited")
    return root


def at(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setenv("ACCORD_NOW", moment.isoformat())
