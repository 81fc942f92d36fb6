"""The partner registry (partners/<id>.yaml) and the allowed_signers list built from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import PartnerError, Problem, did_you_mean
from .schema import Field, Schema
from .yamlio import YAMLProblem, load_yaml, read_text_file

PARTNER_KINDS = ("igo", "ngo", "state", "partner-state", "other")

# An allowed_signers principal is a pattern list; anything but one exact identity would let
# a key sign for more people than the registry names. check and verify share this rule.
EXACT_PRINCIPAL = re.compile(r"[A-Za-z0-9._+@=-]+")

SIGNER = Schema("signer", (
    Field("name", "text", "The signer's full name.", required=True),
    Field("title", "text", "The signer's title or function."),
    Field("principal", "text", "The identity an SSH signature must carry, e.g. an e-mail address.",
          pattern=EXACT_PRINCIPAL.pattern,
          pattern_hint="must be one exact identity (no spaces, wildcards or lists)"),
    Field("key", "text", "An SSH public key ('ssh-ed25519 AAAA...'); enables signed endorsements.",
          pattern=r"(ssh-|ecdsa-|sk-)[a-z0-9@.-]+ [A-Za-z0-9+/]+=*( .*)?",
          pattern_hint="is not an SSH public key (expected 'ssh-ed25519 AAAA...')"),
    Field("valid-after", "date", "The first day (UTC) the key may sign; records committed earlier do not verify."),
    Field("valid-before", "date", "The day (UTC) from which the key no longer signs, e.g. after a rotation."),
))

CONTACT = Schema("contact", (
    Field("name", "text", "The contact's full name.", required=True),
    Field("email", "text", "Where review packets and consultation rounds are sent.", required=True,
          pattern=r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", pattern_hint="is not an e-mail address"),
))

PARTNER = Schema("partner", (
    Field("id", "slug", "The partner id; equals its file name.", required=True),
    Field("name", "text", "The full official name, as printed in signatory lists.", required=True),
    Field("short", "text", "The short name or acronym, e.g. UNICEF."),
    Field("kind", "text", "What kind of body the partner is.", required=True, choices=PARTNER_KINDS),
    Field("signers", "list:map", "People who may sign for this partner.", default=(), schema=SIGNER),
    Field("contacts", "list:map", "People consultation rounds write to: name and e-mail.", default=(), schema=CONTACT),
))


@dataclass(frozen=True)
class Signer:
    """A person who may sign for a partner, with an optional SSH key."""

    name: str
    title: str | None = None
    principal: str | None = None
    key: str | None = None
    valid_after: object = None  # datetime.date
    valid_before: object = None  # datetime.date

    def valid_on(self, day) -> bool:
        """Whether the key's validity window (valid-after <= day < valid-before) holds a date."""
        return (self.valid_after is None or day >= self.valid_after) and (self.valid_before is None or day < self.valid_before)


@dataclass(frozen=True)
class Contact:
    """Someone at a partner whom consultation rounds write to."""

    name: str
    email: str


@dataclass(frozen=True)
class Partner:
    """A partner organization or State."""

    id: str
    name: str
    kind: str
    short: str | None = None
    signers: tuple[Signer, ...] = ()
    path: Path | None = None
    contacts: tuple[Contact, ...] = ()

    @property
    def label(self) -> str:
        return self.short or self.name


def parse_partner(text: str, display: str, path: Path | None = None) -> tuple[Partner | None, list[Problem]]:
    try:
        data = load_yaml(text)
    except YAMLProblem as problem:
        return None, [Problem(display, problem.line, problem.message)]
    values, problems = PARTNER.validate(data, display, 1)
    if problems:
        return None, problems
    values["signers"] = tuple(Signer(**signer) for signer in values["signers"] or ())
    values["contacts"] = tuple(Contact(**contact) for contact in values["contacts"] or ())
    # the partner stays known (so statements naming it are not misreported), its bad key is reported
    return Partner(**values, path=path), _key_problems(data, values["signers"], display)


def _key_problems(data, signers: tuple[Signer, ...], display: str) -> list[Problem]:
    """A key must decode as the SSH key it says it is ('ssh-ed25519 NOTAKEY' matches the pattern, but is no key)."""
    from .signing import PublicKey

    problems = []
    items = data.get("signers") if isinstance(data, dict) else None
    for index, signer in enumerate(signers):
        if signer.key and PublicKey.parse(signer.key) is None:
            item = items[index] if isinstance(items, list) and index < len(items) else None
            line = item.line_of("key") if hasattr(item, "line_of") else None
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
        if problem:
            problems.append(problem)
            continue
        partner, found = parse_partner(text, display, path)
        problems.extend(found)
        if partner is None:
            continue
        if partner.id != path.stem:
            problems.append(Problem(display, _id_line(text), f"id '{partner.id}' differs from the file name '{path.stem}'"))
        if partner.id in partners:
            other = _display(partners[partner.id].path, display_root)
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


def authorise_registry(repo, partner_id: str, keyfile) -> Path:
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
    target = path.with_name(path.name + ".sig")
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
