"""The partner registry (partners/<id>.yaml) and the allowed_signers list built from it."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .repo import Repo

from .errors import PartnerError, Problem, did_you_mean
from .schema import NOT_AN_SSH_PUBLIC_KEY, SSH_PUBLIC_KEY, build, field, schema_of
from .yamlio import LineDict, YAMLProblem, load_yaml, read_text_file

PARTNER_KINDS = ("igo", "ngo", "state", "partner-state", "other")

# An allowed_signers principal is a pattern list; anything but one exact identity would let
# a key sign for more people than the registry names. check and verify share this rule.
EXACT_PRINCIPAL = re.compile(r"[A-Za-z0-9._+@=-]+")

@dataclass(frozen=True)
class Signer:
    """A person who may sign for a partner, with an optional SSH key."""

    schema_name = "signer"

    name: str = field("text", "The signer's full name.", required=True)
    title: str | None = field("text", "The signer's title or function.", default=None)
    principal: str | None = field("text", "The identity an SSH signature must carry, e.g. an e-mail address.",
                                  pattern=EXACT_PRINCIPAL.pattern,
                                  pattern_hint="must be one exact identity (no spaces, wildcards or lists)", default=None)
    key: str | None = field("text", "An SSH public key ('ssh-ed25519 AAAA...'); enables signed endorsements.",
                            pattern=SSH_PUBLIC_KEY, pattern_hint=NOT_AN_SSH_PUBLIC_KEY, default=None)
    valid_after: dt.date | None = field("date", "The first day (UTC) the key may sign; records committed earlier "
                                        "do not verify.", key="valid-after", default=None)
    valid_before: dt.date | None = field("date", "The day (UTC) from which the key no longer signs, e.g. after a "
                                         "rotation.", key="valid-before", default=None)

    def valid_on(self, day: dt.date) -> bool:
        """Whether the key's validity window (valid-after <= day < valid-before) holds a date."""
        return (self.valid_after is None or day >= self.valid_after) and (self.valid_before is None or day < self.valid_before)


@dataclass(frozen=True)
class Contact:
    """Someone at a partner whom consultation rounds write to."""

    schema_name = "contact"

    name: str = field("text", "The contact's full name.", required=True)
    email: str = field("text", "Where review packets and consultation rounds are sent.", required=True,
                       pattern=r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", pattern_hint="is not an e-mail address")


@dataclass(frozen=True)
class Partner:
    """A partner organization or State.

    The fields are declared in the order of the file's schema; those a partner may lack are keyword-only,
    so the constructor reads Partner(id, name, kind, ...).
    """

    schema_name = "partner"

    id: str = field("slug", "The partner id; equals its file name.", required=True)
    name: str = field("text", "The full official name, as printed in signatory lists.", required=True)
    short: str | None = field("text", "The short name or acronym, e.g. UNICEF.", default=None, kw_only=True)
    kind: str = field("text", "What kind of body the partner is.", required=True, choices=PARTNER_KINDS)
    signers: tuple[Signer, ...] = field("list:map", "People who may sign for this partner.", of=Signer, default=(),
                                        kw_only=True)
    contacts: tuple[Contact, ...] = field("list:map", "People consultation rounds write to: name and e-mail.",
                                          of=Contact, default=(), kw_only=True)
    path: Path | None = dc_field(default=None, kw_only=True)

    @property
    def label(self) -> str:
        return self.short or self.name


SIGNER = schema_of(Signer)
CONTACT = schema_of(Contact)
PARTNER = schema_of(Partner)


def parse_partner(text: str, display: str, path: Path | None = None) -> tuple[Partner | None, list[Problem]]:
    try:
        data = load_yaml(text)
    except YAMLProblem as problem:
        return None, [Problem(display, problem.line, problem.message)]
    values, problems = PARTNER.validate(data, display, 1)
    if problems:
        return None, problems
    partner = build(Partner, values, path=path)
    # the partner stays known (so statements naming it are not misreported), its bad key is reported
    return partner, _key_problems(data, partner.signers, display)


def _key_problems(data: Any, signers: tuple[Signer, ...], display: str) -> list[Problem]:
    """A key must decode as the SSH key it says it is ('ssh-ed25519 NOTAKEY' matches the pattern, but is no key)."""
    if not any(signer.key for signer in signers):
        return []  # nothing to decode: signing (and its subprocess) stays unimported, as `status` needs neither
    from .signing import PublicKey

    problems = []
    items = data.get("signers") if isinstance(data, dict) else None
    for index, signer in enumerate(signers):
        if signer.key and PublicKey.parse(signer.key) is None:
            item = items[index] if isinstance(items, list) and index < len(items) else None
            line = item.line_of("key") if isinstance(item, LineDict) else None
            problems.append(Problem(display, line, f"'key' of {signer.name} is not a valid SSH public key: "
                                                   f"its key data does not decode"))
    return problems


def read_partners(partners_dir: Path, display_root: Path) -> tuple[dict[str, Partner], list[Problem]]:
    """Read every partners/*.yaml; returns the valid partners by id and every problem found."""
    partners: dict[str, Partner] = {}
    problems: list[Problem] = []
    files = sorted(partners_dir.glob("*.yaml")) if partners_dir.is_dir() else []
    for path in files:
        display = _display(path, display_root)
        text, problem = read_text_file(path, display)
        if problem or text is None:
            problems.extend([problem] if problem else [])
            continue
        partner, found = parse_partner(text, display, path)
        problems.extend(found)
        if partner is None:
            continue
        if partner.id != path.stem:
            problems.append(Problem(display, _id_line(text), f"id '{partner.id}' differs from the file name '{path.stem}'"))
        if partner.id in partners:
            other = _display(partners[partner.id].path or path, display_root)
            problems.append(Problem(display, _id_line(text), f"duplicate partner id '{partner.id}' (also in {other})"))
            continue
        partners[partner.id] = partner
    return partners, problems


def load_partners(partners_dir: Path, display_root: Path) -> dict[str, Partner]:
    """The registry, or PartnerError naming the first problem."""
    partners, problems = read_partners(partners_dir, display_root)
    if problems:
        raise problems[0].error(PartnerError)
    return partners


def require_partner(partners: dict[str, Partner], partner_id: str) -> Partner:
    """The registry entry of a partner, or PartnerError with a did-you-mean hint."""
    if partner_id in partners:
        return partners[partner_id]
    raise PartnerError(f"unknown partner '{partner_id}'{did_you_mean(partner_id, partners)}")


def allowed_signers(partners: dict[str, Partner]) -> str:
    """An ssh-keygen allowed_signers file: one exact principal per key, never a wildcard."""
    lines = []
    for partner in sorted(partners.values(), key=lambda p: p.id):
        for signer in partner.signers:
            if signer.key and signer.principal:
                options = ['namespaces="accord-endorsement"']
                if signer.valid_after:
                    options.append(f'valid-after="{signer.valid_after:%Y%m%d}Z"')
                if signer.valid_before:
                    options.append(f'valid-before="{signer.valid_before:%Y%m%d}Z"')
                lines.append(f'{signer.principal} {",".join(options)} {signer.key.strip()}')
    return "\n".join(lines) + ("\n" if lines else "")


def authorise_registry(repo: Repo, partner_id: str, keyfile: str | os.PathLike[str]) -> Path:
    """Sign partners/<id>.yaml as it is in the working tree into partners/<id>.yaml.sig (not committed).

    A commit that adds or replaces a signer's key is trusted by `accord verify` only when it
    carries this signature, made with the key of another signer of that partner or with a
    secretariat key listed in accord.yaml (both as they stood before the commit). The key is
    checked here against the files in the working tree; verify judges the commit.
    """
    from . import signing
    from .fsutil import write_atomic

    partner = require_partner(repo.partners(), partner_id)
    path = repo.partners_dir / f"{partner_id}.yaml"
    key = signing.signing_key(keyfile)
    secretariat = [signing.PublicKey.parse(text) for text in repo.settings.secretariat_keys]
    others = [signing.PublicKey.parse(signer.key) for signer in partner.signers if signer.key]
    if key.public not in secretariat and key.public not in others:
        raise PartnerError(f"the key {keyfile} ({key.public.fingerprint}) is neither a secretariat key in accord.yaml "
                           f"nor the key of a signer in partners/{partner_id}.yaml, so it cannot authorise a key change")
    signature = signing.sign(path.read_bytes(), key, signing.REGISTRY_NAMESPACE)
    target: Path = path.with_name(path.name + ".sig")
    write_atomic(target, signature)
    return target


def authorise_settings(repo: Repo, keyfile: str | os.PathLike[str]) -> Path:
    """Sign accord.yaml as it is in the working tree into accord.yaml.sig (not committed).

    Once accord.yaml has listed a secretariat key, `accord verify` trusts a secretariat or portal
    key that a commit adds to accord.yaml only when that commit carries this signature, made with a
    secretariat key listed in accord.yaml as committed before it. The key is checked here against
    accord.yaml at HEAD; verify judges the commit.
    """
    from . import history, signing
    from .fsutil import write_atomic
    from .ledger.verify import listed_keys

    key = signing.signing_key(keyfile)
    head = history.head_commit(repo.root)
    committed = history.blob_at(repo.root, head, "accord.yaml") if head else None
    secretariat = listed_keys(committed)
    if not secretariat:
        raise PartnerError("accord.yaml as committed lists no secretariat key, so no signature is needed yet: "
                           "commit the first secretariat keys as they are")
    if key.public not in secretariat:
        raise PartnerError(f"the key {keyfile} ({key.public.fingerprint}) is not a secretariat key in accord.yaml "
                           "as committed, so it cannot authorise a change to its keys")
    path = repo.root / "accord.yaml"
    signature = signing.sign(path.read_bytes(), key, signing.REGISTRY_NAMESPACE)
    target: Path = path.with_name("accord.yaml.sig")
    write_atomic(target, signature)
    return target


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _id_line(text: str) -> int:
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith("id:"):
            return number
    return 1
