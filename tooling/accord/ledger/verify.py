"""`accord verify`: signatures, names, registry key changes and the supersedes chain against git history."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import LedgerError, Problem
from ..fsutil import LinkRefused, link_on_the_way, read_repo_bytes
from ..yamlio import YAMLProblem, load_yaml
from .endorse import _signer_of_key, signatory_is
from .memo import ParseMemo
from .positions import Position
from .records import Record


# -- verification: signatures, names, and the supersedes chain against git history -------------

@dataclass
class RecordCheck:
    """What `verify` found about one record file (or one that git remembers and the tree lacks)."""

    path: str
    partner: str
    signed: bool = False
    principal: str | None = None
    present: bool = True
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"path": self.path, "partner": self.partner, "signed": self.signed, "principal": self.principal,
                "ok": self.ok, "problems": [problem.as_dict() for problem in self.problems]}


def verify_ledger(repo, ids: list[str] | tuple = ()) -> list[RecordCheck]:
    """Check every record of the statements named (all when none), and the registry's key changes.

    For each record: that it names the statement and partner it is filed under; for a
    signed one, that the signature is good and made with the key of a signer of that very
    partner (exact principals only) as the registry stood at the commit that added the
    record, by the signatory it names; and that its `supersedes` chain agrees with the
    file's git history, so a deleted or rolled-back record is reported. The history is
    the whole commit graph (every merge against each parent), read in one pass with the
    registry's. Unsigned records are attested, which is not a failure, but they may not
    replace a signed position. A key added to or replaced in partners/ without
    authorisation (see `registry_key_changes`) is reported too.
    """
    from .. import history

    if history.is_shallow(repo.root):
        raise LedgerError("this clone is shallow, and verify needs the ledger's whole git history: "
                          "run git fetch --unshallow (in CI, check out with fetch-depth: 0)")
    partners = repo.partners()
    statement_ids = repo.resolve_ids(list(ids))
    pathspecs = ([f"statements/{statement_id}/endorsements" for statement_id in statement_ids] if ids
                 else [":(glob)statements/*/endorsements/*"])
    # The whole ledger's walk is remembered under the commit it started from (.git/accord/, see
    # history.full_paths_history): an unchanged history is not walked again, an extended one only from there.
    git_dir = repo.root / ".git"
    walk_cache = git_dir / "accord" / "ledger-walk" if not ids and git_dir.is_dir() else None
    past = LedgerHistory.read(repo.root, pathspecs, walk_cache)
    # Every record and every committed version of it parses as it did in the last run: the memo
    # answers by content hash (a thousand statements' history parsed anew took most of verify's time).
    memo = ParseMemo.open(repo)
    checks: list[RecordCheck] = []
    by_statement: dict[str, set[str]] = {}
    for path in past.versions:
        parts = path.split("/")
        if len(parts) == 4 and parts[0] == "statements" and parts[2] == "endorsements" and path.endswith(".yaml"):
            by_statement.setdefault(parts[1], set()).add(path)
    for statement_id in statement_ids:
        checks.extend(_verify_statement(repo, statement_id, partners, past, by_statement.get(statement_id, set()),
                                        memo))
    memo.save(complete=False)  # keep what status remembered too
    for change in past.key_changes:
        if change.problem:
            rel = f"partners/{change.partner}.yaml"
            checks.append(RecordCheck(rel, change.partner, problems=[Problem(rel, None, change.problem)]))
    for settings_change in past.settings_changes:
        if settings_change.problem:
            checks.append(RecordCheck("accord.yaml", "", problems=[Problem("accord.yaml", None,
                                                                           settings_change.problem)]))
    return checks


@dataclass(frozen=True)
class SignedAt:
    """The commit that first held a record's bytes with a signature beside them, and the registry there."""

    commit: str
    epoch: int
    registry_blob: str | None  # partners/<id>.yaml at that commit
    registry_epoch: int  # when that version of the registry file was committed
    settings_blob: str | None = None  # accord.yaml at that commit (its portal-keys judge a portal signature)
    seq: int = 0  # where that commit stands in the walk (parents before children)


@dataclass(frozen=True)
class SettingsKeyChange:
    """A secretariat or portal key that one commit put into accord.yaml (seq: the commit's place in the walk), or
    a commit whose accord.yaml.sig vouched for it again; problem says why the change is not authorised."""

    seq: int
    commit: str
    setting: str  # "secretariat-keys" or "portal-keys"
    key: object  # accord.signing.PublicKey
    problem: str | None = None


@dataclass(frozen=True)
class KeyChange:
    """A key added to (or replacing one in) partners/<id>.yaml by one commit; problem says why it is not authorised."""

    partner: str
    commit: str
    principal: str
    key: object  # accord.signing.PublicKey
    problem: str | None = None


class LedgerHistory:
    """Every committed version of the ledger's and the registry's files: one walk of the history (two git
    processes, see history.full_paths_history) and the persistent cat-file for their bytes."""

    def __init__(self, versions: dict, signed_in: dict, blobs: dict, key_changes: list, registry_now: dict,
                 settings_changes: list | None = None):
        self.versions = versions  # path -> [(commit, blob id or None where deleted)], parents before children
        self.signed_in = signed_in  # record path -> {blob id: SignedAt}
        self.blobs = blobs  # blob id -> bytes, for records and registry files
        self.key_changes = key_changes  # [KeyChange], oldest first
        self.registry_now = registry_now  # partner id -> blob id of partners/<id>.yaml at HEAD
        self.settings_changes: list[SettingsKeyChange] = settings_changes or []  # oldest first

    @classmethod
    def read(cls, root: Path, pathspecs: list[str], cache: Path | None = None) -> "LedgerHistory":
        from .. import history

        changes = history.full_paths_history(root, *pathspecs, "partners", "accord.yaml", "accord.yaml.sig",
                                             cache=cache)
        versions: dict[str, list[tuple[str, str | None]]] = {}
        signed_in: dict[str, dict[str, SignedAt]] = {}
        state: dict[str, str | None] = {}
        committed_at: dict[str, int] = {}
        registry_events = []
        settings_events = []
        start = 0
        while start < len(changes):
            end = start
            while end < len(changes) and changes[end].commit == changes[start].commit:
                end += 1
            group = changes[start:end]
            commit, epoch = group[0].commit, group[0].epoch
            settings_before = state.get("accord.yaml")
            by_path: dict[str, list] = {}
            for change in group:
                by_path.setdefault(change.path, []).append(change)
                state[change.path] = change.new_blob
                committed_at[change.path] = epoch
            for path, path_changes in by_path.items():
                if path.startswith("statements/"):
                    versions.setdefault(path, []).append((commit, path_changes[0].new_blob))
            for record_path in {path.removesuffix(".sig") for path in by_path if path.startswith("statements/")}:
                record_blob = state.get(record_path)
                if record_blob and state.get(record_path + ".sig"):
                    partner_file = f"partners/{record_path.rsplit('/', 1)[1]}"
                    signed_in.setdefault(record_path, {}).setdefault(record_blob, SignedAt(
                        commit, epoch, state.get(partner_file), committed_at.get(partner_file, 0),
                        state.get("accord.yaml"), start))
            for path in {path.removesuffix(".sig") for path in by_path if path.startswith("partners/")}:
                new_blob = state.get(path)
                if not (path.endswith(".yaml") and path.count("/") == 1 and new_blob):
                    continue
                path_changes = by_path.get(path, [])
                if path_changes:
                    # a merge whose file equals one parent's brings in nothing that parent's history did not check
                    if len(path_changes) < max(group[0].parents, 1):
                        continue
                    old_blobs = [c.old_blob for c in path_changes]
                elif not state.get(path + ".sig"):
                    continue
                else:
                    old_blobs = None  # the file is unchanged and signed anew: a ratification of its keys
                registry_events.append(RegistryEvent(commit, path[9:-5], new_blob, old_blobs,
                                                     state.get(path + ".sig"), settings_before, start))
            settings_event = _settings_event(start, commit, group, by_path, state)
            if settings_event is not None:
                settings_events.append(settings_event)
            start = end
        wanted: list[str | None] = [blob for path, items in versions.items() if path.endswith(".yaml")
                                    for _, blob in items if blob]
        for event in registry_events:
            wanted += [event.new_blob, *(event.old_blobs or ()), event.signature_blob, event.settings_blob]
        for settings_event in settings_events:
            wanted += [settings_event.new_blob, *(settings_event.old_blobs or ()), settings_event.signature_blob]
        registry_now = {path[9:-5]: blob for path, blob in state.items()
                        if path.startswith("partners/") and path.endswith(".yaml") and blob}
        wanted += [*registry_now.values(), *(s.registry_blob for found in signed_in.values() for s in found.values()),
                   *(s.settings_blob for found in signed_in.values() for s in found.values())]
        blobs = history.read_blobs(root, [blob for blob in wanted if blob], env=history.NO_REPLACEMENTS)
        settings_changes = _judge_settings(blobs, settings_events)
        return cls(versions, signed_in, blobs, _judge_registry(blobs, registry_events, settings_changes), registry_now,
                   settings_changes)

    def of(self, relpath: str) -> list[tuple[str, bytes | None]]:
        return [(commit, self.blobs.get(blob) if blob else None) for commit, blob in self.versions.get(relpath, [])]

    def signed_versions(self, relpath: str) -> dict[str, SignedAt]:
        """sha256 of each version of a record that was committed with a signature -> where."""
        return {hashlib.sha256(self.blobs[blob]).hexdigest(): signed_at
                for blob, signed_at in self.signed_in.get(relpath, {}).items() if blob in self.blobs}

    def registry_at(self, partner_id: str, blob: str | None):
        """The partner as partners/<id>.yaml read at some commit, or None when it did not read."""
        from ..partners import parse_partner

        data = self.blobs.get(blob) if blob else None
        if data is None:
            return None
        partner, _ = parse_partner(data.decode("utf-8", "replace"), f"partners/{partner_id}.yaml")
        return partner  # with a malformed key of someone else reported by check, the rest still judges

    def unauthorised_setting(self, setting: str, public_key, seq: int | None = None) -> SettingsKeyChange | None:
        """The latest change that put this key into accord.yaml's setting (up to walk position seq), if it was not
        authorised (nor vouched for since)."""
        return _latest_settings_problem(self.settings_changes, setting, public_key, seq)

    def unauthorised_key(self, partner_id: str, public_key) -> KeyChange | None:
        """The latest change that put this key into the partner's file, if it was not authorised (nor ratified since)."""
        latest = None
        for change in self.key_changes:
            if change.partner == partner_id and change.key == public_key:
                latest = change
        return latest if latest is not None and latest.problem else None


def _registry_keys(data: bytes | None) -> dict[str, object]:
    """principal -> PublicKey of every signer with a key, read leniently (an old version may not validate)."""
    from ..signing import PublicKey

    if data is None:
        return {}
    try:
        tree = load_yaml(data.decode("utf-8", "replace"))
    except YAMLProblem:
        return {}
    signers = tree.get("signers") if isinstance(tree, dict) else None
    keys: dict[str, object] = {}
    for signer in signers if isinstance(signers, list) else []:
        if isinstance(signer, dict) and isinstance(signer.get("key"), str):
            key = PublicKey.parse(signer["key"])
            if key is not None:
                keys[str(signer.get("principal") or signer.get("name") or "?")] = key
    return keys


def listed_keys(data: bytes | None, setting: str = "secretariat-keys") -> list:
    """The SSH keys an accord.yaml (its bytes at some commit) lists under a setting, read leniently."""
    from ..signing import PublicKey

    if data is None:
        return []
    try:
        tree = load_yaml(data.decode("utf-8", "replace"))
    except YAMLProblem:
        return []
    listed = tree.get(setting) if isinstance(tree, dict) else None
    return [key for key in (PublicKey.parse(text) for text in listed if isinstance(text, str))
            if key is not None] if isinstance(listed, list) else []


@dataclass(frozen=True)
class RegistryEvent:
    """A commit that changed partners/<id>.yaml (old_blobs: its versions in the parents) or only signed it anew."""

    commit: str
    partner: str
    new_blob: str
    old_blobs: list | None  # None: the file is unchanged and its signature is new
    signature_blob: str | None
    settings_blob: str | None  # accord.yaml before the commit
    seq: int = 0  # the commit's place in the walk


def _judge_registry(blobs: dict, events: list[RegistryEvent],
                    settings_changes: list[SettingsKeyChange] | None = None) -> list[KeyChange]:
    """Every key added to or replaced in partners/, oldest first, each judged: was the change authorised?

    The design (README, "Who may change a key"): the commit must carry partners/<id>.yaml.sig,
    an SSH signature (namespace accord-registry) of the file's new bytes made with the key of
    another signer of that partner whose key the commit leaves alone (and which was itself
    authorised), or with a secretariat key listed in accord.yaml before the commit. A
    secretariat signature of the file, in a later commit, ratifies every key the file then
    holds: that is how keys committed before this rule, or without authorisation, are vouched for.
    """
    changes: list[KeyChange] = []
    for event in events:
        new_keys = _registry_keys(blobs.get(event.new_blob))
        # a secretariat key that accord.yaml took in without authorisation authorises nothing
        secretariat = {("secretariat", key) for key in listed_keys(blobs.get(event.settings_blob))
                       if _latest_settings_problem(settings_changes or [], "secretariat-keys", key, event.seq - 1)
                       is None}
        tainted = {(c.principal, c.key) for c in changes if c.partner == event.partner and c.problem}
        if event.old_blobs is None:
            problem, authoriser = _registry_signature_problem(blobs, event, secretariat)
            if problem is None:
                changes = _ratify(changes, event.partner, new_keys)
            continue
        old_keys = [_registry_keys(blobs.get(blob)) if blob else {} for blob in event.old_blobs]
        added = {principal: key for principal, key in new_keys.items()
                 if not any(keys.get(principal) == key for keys in old_keys)}
        if not added:
            continue
        others = {(principal, key) for keys in old_keys for principal, key in keys.items()
                  if principal not in added and new_keys.get(principal) == key and (principal, key) not in tainted}
        problem, authoriser = _registry_signature_problem(blobs, event, others | secretariat)
        if problem is None and authoriser == "secretariat":
            changes = _ratify(changes, event.partner, new_keys)
        for principal, key in sorted(added.items()):
            verb = "replaced" if any(principal in keys for keys in old_keys) else "added"
            message = (f"key of {principal} {verb} in commit {event.commit[:7]} without authorisation: {problem}"
                       if problem else None)
            changes.append(KeyChange(event.partner, event.commit, principal, key, message))
    return changes


# -- accord.yaml's keys: the trust root -----------------------------------------------------------

SETTINGS_KEYS = ("secretariat-keys", "portal-keys")


@dataclass(frozen=True)
class SettingsEvent:
    """A commit that changed accord.yaml (old_blobs: its versions in the parents) or only signed it anew."""

    seq: int
    commit: str
    new_blob: str
    old_blobs: list | None  # None: the file is unchanged and accord.yaml.sig is new
    signature_blob: str | None


def _settings_event(seq: int, commit: str, group: list, by_path: dict, state: dict) -> SettingsEvent | None:
    new_blob = state.get("accord.yaml")
    if not new_blob or not ("accord.yaml" in by_path or "accord.yaml.sig" in by_path):
        return None
    path_changes = by_path.get("accord.yaml", [])
    if path_changes:
        # a merge whose file equals one parent's brings in nothing that parent's history did not check
        if len(path_changes) < max(group[0].parents, 1):
            return None
        return SettingsEvent(seq, commit, new_blob, [change.old_blob for change in path_changes],
                             state.get("accord.yaml.sig"))
    if not state.get("accord.yaml.sig"):
        return None
    return SettingsEvent(seq, commit, new_blob, None, state.get("accord.yaml.sig"))


def _judge_settings(blobs: dict, events: list[SettingsEvent]) -> list[SettingsKeyChange]:
    """Every secretariat and portal key added to accord.yaml, oldest first, each judged: was the change authorised?

    accord.yaml's keys are the root of the ledger's trust: a secretariat key authorises partners' key
    changes, a portal key signs positions for the portal's users. So once accord.yaml has listed a
    secretariat key, a commit that adds a key to either list must carry accord.yaml.sig, an SSH signature
    (namespace accord-registry) of the file's new bytes by a secretariat key listed before the commit
    (itself authorised): `accord authorise-keys --settings`. The first secretariat keys, and any key
    added while no secretariat key had ever been listed, are taken as the alliance's own. A later
    signature of the file by an authorised secretariat key vouches for every key it then holds.
    """
    changes: list[SettingsKeyChange] = []
    rooted = False  # has any version of accord.yaml listed a secretariat key?
    for event in events:
        new = {setting: listed_keys(blobs.get(event.new_blob), setting) for setting in SETTINGS_KEYS}
        olds = [{setting: listed_keys(blobs.get(blob) if blob else None, setting) for setting in SETTINGS_KEYS}
                for blob in (event.old_blobs if event.old_blobs is not None else [event.new_blob])]
        authorisers = {key for old in olds for key in old["secretariat-keys"]
                       if _latest_settings_problem(changes, "secretariat-keys", key, event.seq - 1) is None}
        problem = _settings_signature_problem(blobs, event, authorisers)
        if problem is None:  # a good signature vouches for every key the file holds
            changes = [replace(change, problem=None) if change.key in new[change.setting] else change
                       for change in changes]
        if event.old_blobs is not None:
            for setting in SETTINGS_KEYS:
                for key in new[setting]:
                    if any(key in old[setting] for old in olds):
                        continue
                    message = None
                    if problem is not None and rooted:
                        message = f"{setting[:-1]} {key.fingerprint} added in commit {event.commit[:7]} without " \
                                  f"authorisation: {problem}"
                    changes.append(SettingsKeyChange(event.seq, event.commit, setting, key, message))
        rooted = rooted or bool(new["secretariat-keys"])
    return changes


def _latest_settings_problem(changes: list[SettingsKeyChange], setting: str, key,
                             seq: int | None) -> SettingsKeyChange | None:
    latest = None
    for change in changes:
        if seq is not None and change.seq > seq:
            break
        if change.setting == setting and change.key == key:
            latest = change
    return latest if latest is not None and latest.problem else None


def _settings_signature_problem(blobs: dict, event: SettingsEvent, authorisers: set) -> str | None:
    """Why accord.yaml.sig, as the commit leaves it, does not authorise accord.yaml's new bytes (None: it does)."""
    from .. import signing

    signature = blobs.get(event.signature_blob) if event.signature_blob else None
    if signature is None:
        return ("no accord.yaml.sig in that commit; a key added to accord.yaml must be signed by a secretariat key "
                "listed before it (accord authorise-keys --settings)")
    parsed = signing.Signature.parse(signature)
    if parsed is None or parsed.namespace != signing.REGISTRY_NAMESPACE:
        return f"accord.yaml.sig in that commit is not an SSH signature in namespace '{signing.REGISTRY_NAMESPACE}'"
    if parsed.key not in authorisers:
        return (f"accord.yaml.sig is signed with a key ({parsed.key.fingerprint}) that may not authorise it: only a "
                "secretariat key listed in accord.yaml before the commit may")
    line = f'secretariat namespaces="{signing.REGISTRY_NAMESPACE}" {parsed.key.line}\n'
    reason = signing.verify(blobs[event.new_blob], signature, line, "secretariat", namespace=signing.REGISTRY_NAMESPACE)
    if reason is not None:
        return f"accord.yaml.sig does not match the file as committed: {reason}"
    return None


def _ratify(changes: list[KeyChange], partner_id: str, keys: dict) -> list[KeyChange]:
    return [replace(change, problem=None) if change.partner == partner_id and keys.get(change.principal) == change.key
            else change for change in changes]


def _registry_signature_problem(blobs: dict, event: RegistryEvent, authorisers: set) -> tuple[str | None, str | None]:
    """(why partners/<id>.yaml.sig does not authorise the file's bytes, or None; the principal whose key signed)."""
    from .. import signing

    rel = f"partners/{event.partner}.yaml"
    signature = blobs.get(event.signature_blob) if event.signature_blob else None
    if signature is None:
        return (f"no {rel}.sig in that commit; a key change must be signed by another signer of "
                f"'{event.partner}' or by a secretariat key in accord.yaml (accord authorise-keys)"), None
    parsed = signing.Signature.parse(signature)
    if parsed is None or parsed.namespace != signing.REGISTRY_NAMESPACE:
        return f"{rel}.sig in that commit is not an SSH signature in namespace '{signing.REGISTRY_NAMESPACE}'", None
    authoriser = next((principal for principal, key in sorted(authorisers, key=lambda pk: pk[0]) if key == parsed.key),
                      None)
    if authoriser is None:
        return (f"{rel}.sig is signed with a key ({parsed.key.fingerprint}) that may not authorise it: "
                f"only another signer of '{event.partner}' or a secretariat key in accord.yaml may"), None
    line = f'{authoriser} namespaces="{signing.REGISTRY_NAMESPACE}" {parsed.key.line}\n'
    reason = signing.verify(blobs[event.new_blob], signature, line, authoriser, namespace=signing.REGISTRY_NAMESPACE)
    if reason is not None:
        return f"{rel}.sig does not match the file as committed: {reason}", None
    return None, authoriser


def _verify_statement(repo, statement_id: str, partners: dict, past: LedgerHistory, in_history: set[str],
                      memo: ParseMemo) -> list[RecordCheck]:
    folder = repo.endorsements_dir(statement_id)
    folder_rel = f"statements/{statement_id}/endorsements"
    present = set(os.listdir(folder)) if folder.is_dir() else set()
    folder_checked = bool(present) and link_on_the_way(folder) is None  # once for all the files read there
    record_paths = sorted({f"{folder_rel}/{name}" for name in present
                           if name.endswith(".yaml") and not name.startswith(".")} | in_history)
    checks = []
    for record_rel in record_paths:
        name = record_rel.rsplit("/", 1)[1]
        check = RecordCheck(record_rel, name[:-5], present=name in present)
        try:
            current = read_repo_bytes(folder / name, folder_checked=folder_checked) if check.present else None
        except LinkRefused as refused:  # named, never read: it could be any file on the machine
            current = None
            check.problems.append(Problem(refused.name, None, refused.message))
        if current is not None:
            has_signature = name + ".sig" in present
            signed_at = past.signed_in.get(record_rel, {}).get(_git_blob_id(current))
            record = _check_record(repo, check, statement_id, folder / name, current, has_signature, partners,
                                   past, signed_at, memo)
            if signed_at and not has_signature:
                check.problems.append(Problem(record_rel, None, f"signature removed: this record was committed "
                                                                f"with one in commit {signed_at.commit[:7]}"))
            elif record is not None and not has_signature and record.position is not Position.OBJECT:
                replaced = past.signed_versions(record_rel).get(record.supersedes) if record.supersedes else None
                if replaced is not None:
                    check.problems.append(Problem(record_rel, None, (
                        f"an unsigned record supersedes the signed record of commit {replaced.commit[:7]}: "
                        "only a signed record (or an objection) may replace a signed position")))
        check.problems.extend(Problem(record_rel, None, message)
                              for message in _chain_problems(past.of(record_rel), current, memo))
        checks.append(check)
    for name in sorted(present):
        if name.endswith(".yaml.sig") and name[:-4] not in present:
            checks.append(RecordCheck(f"{folder_rel}/{name}", name[:-9], problems=[
                Problem(f"{folder_rel}/{name}", None, "signature without its record")]))
    return checks


def _check_record(repo, check: RecordCheck, statement_id: str, path: Path, data: bytes, has_signature: bool,
                  partners: dict, past: LedgerHistory, signed_at: SignedAt | None, memo: ParseMemo) -> Record | None:
    record, problems = memo.record_from_bytes(data, check.path, path)
    check.problems.extend(problems)
    if record is not None:
        check.problems.extend(Problem(check.path, None, message)
                              for _, message in record.filing_problems(statement_id, check.partner))
    if check.partner not in partners:
        check.problems.append(Problem(check.path, None, f"record of unknown partner '{check.partner}'"))
        return record
    if has_signature:
        check.signed = True
        signature_path = path.with_name(path.name + ".sig")
        # the registry as it stood where the signed record was committed (else as committed now; else the files)
        if signed_at is not None:
            registry, at = past.registry_at(check.partner, signed_at.registry_blob), max(signed_at.epoch,
                                                                                        signed_at.registry_epoch)
        else:
            registry, at = past.registry_at(check.partner, past.registry_now.get(check.partner)), None
        judged = {**partners, check.partner: registry or partners[check.partner]}
        signature = read_repo_bytes(signature_path)
        portal_key = _portal_key_in(signature, repo, past, signed_at)
        if portal_key is not None:
            message, check.principal = _portal_signature_problem(signature, data, portal_key, record, at)
            tainted = past.unauthorised_setting("portal-keys", portal_key, signed_at.seq if signed_at else None)
            if message is None and tainted is not None:
                message, check.principal = (f"signed with the portal key {portal_key.fingerprint}, which commit "
                                            f"{tainted.commit[:7]} put into accord.yaml without authorisation"), None
        else:
            message, check.principal = _signature_problem(signature, data, check.partner, judged, past, at, record)
            if message is None and record is not None and record.claims_portal:
                message = f"its evidence says the portal recorded it, but it is signed by {check.principal}"
        if message:
            check.problems.append(Problem(check.path, None, message))
    elif record is not None and record.claims_portal:
        check.problems.append(Problem(check.path, None, "its evidence says the portal recorded it, but it carries "
                                                        "no signature of the portal's key"))
    return record


def _portal_key_in(signature: bytes, repo, past: LedgerHistory, signed_at: SignedAt | None):
    """The portal key (accord.yaml portal-keys, as it stood at the record's commit) that made this signature, if one did."""
    from .. import signing

    parsed = signing.Signature.parse(signature)
    if parsed is None:
        return None
    if signed_at is not None:
        keys = listed_keys(past.blobs.get(signed_at.settings_blob) if signed_at.settings_blob else None,
                                 "portal-keys")
    else:
        keys = [signing.PublicKey.parse(text) for text in repo.settings.portal_keys]
    return parsed.key if parsed.key in keys else None


def _portal_signature_problem(signature: bytes, data: bytes, key, record: Record | None,
                              at: int | None) -> tuple[str | None, str | None]:
    """(what is wrong with a portal-attested record, or None; who the portal attested it for)."""
    from .. import signing
    from .endorse import PORTAL_PRINCIPAL

    line = f'{PORTAL_PRINCIPAL} namespaces="{signing.NAMESPACE}" {key.line}\n'
    reason = signing.verify(data, signature, line, PORTAL_PRINCIPAL, at=at)
    if reason is not None:
        if "incorrect signature" in reason:
            return "the portal's signature does not match the record: it was changed after it was signed", None
        return f"the portal's signature does not verify: {reason}", None
    if record is None:
        return None, PORTAL_PRINCIPAL
    if record.evidence is None or not record.evidence.portal or not record.evidence.ref:
        return "signed with the portal's key, but its evidence is not portal:AUDIT-ID", None
    return None, f"the portal (for {record.recorded_by}, audit {record.evidence.ref})"


def _signature_problem(signature: bytes, data: bytes, partner_id: str, partners: dict, past: LedgerHistory | None = None,
                       at: int | None = None, record: Record | None = None) -> tuple[str | None, str | None]:
    """(what is wrong, or None; the principal that signed)."""
    from .. import signing
    from ..partners import allowed_signers

    parsed = signing.Signature.parse(signature)
    if parsed is None:
        return "the signature file is not an SSH signature", None
    if parsed.namespace != signing.NAMESPACE:
        return f"signed for namespace '{parsed.namespace}', not '{signing.NAMESPACE}'", None
    partner = partners[partner_id]
    signer = _signer_of_key(partner, parsed.key)
    if signer is None:
        for other in partners.values():
            other_signer = _signer_of_key(other, parsed.key)
            if other_signer is not None:
                who = other_signer.principal or other_signer.name
                return f"signed with the key of {who} ({other.label}), who does not sign for {partner.label}", None
        return f"signed with a key ({parsed.key.fingerprint}) that no signer in partners/ holds", None
    if not signer.principal or not signing.is_exact_principal(signer.principal):
        return (f"signed by {signer.name} of {partner.label}, whose principal in partners/{partner_id}.yaml "
                "is missing or not an exact identity"), None
    tainted = past.unauthorised_key(partner_id, parsed.key) if past is not None else None
    if tainted is not None:
        return (f"signed with the key of {signer.principal}, which commit {tainted.commit[:7]} put into "
                f"partners/{partner_id}.yaml without authorisation"), None
    day = dt.datetime.fromtimestamp(at, dt.timezone.utc).date() if at is not None else None
    if day is not None and not signer.valid_on(day):
        window = " ".join(part for part in (f"from {signer.valid_after}" if signer.valid_after else "",
                                            f"before {signer.valid_before}" if signer.valid_before else "") if part)
        return (f"signed with the key of {signer.principal}, valid only {window}, in a record committed "
                f"on {day.isoformat()}"), None
    exact = replace(partner, signers=tuple(s for s in partner.signers
                                           if s.principal and signing.is_exact_principal(s.principal)))
    reason = signing.verify(data, signature, allowed_signers({partner_id: exact}), signer.principal, at=at)
    if reason is not None:
        if "incorrect signature" in reason:
            return "the signature does not match the record: it was changed after it was signed", None
        return f"the signature does not verify: {reason}", None
    if record is not None and not signatory_is(signer, record.signatory):
        return (f"signed by {signer.principal} ({signer.name}), but the record names signatory "
                f"'{record.signatory}'"), None
    return None, signer.principal


def _chain_problems(versions: list[tuple[str, bytes | None]], current: bytes | None, memo: ParseMemo) -> list[str]:
    """Compare a record file's versions in git (oldest first; None where deleted) and in the tree.

    The chain's head is the newest version that supersedes the head before it. A version
    off the chain (a rollback, an edit in place, a record recreated after a deletion) is
    reported while the file is off the chain; restoring the head (say, by `git revert`)
    or recording a new position that supersedes it mends the chain.
    """
    seen: dict[str, str] = {}  # sha256 of each committed version -> its first commit
    head: tuple[str, str, bytes] | None = None  # (sha256, commit, bytes) of the chain's newest record
    last: tuple[str, str, bytes] | None = None  # the last committed version, on the chain or not
    first_break: str | None = None
    deleted_in: str | None = None
    for commit, data in versions:
        if data is None:
            deleted_in = commit
            continue
        sha = hashlib.sha256(data).hexdigest()
        if head is not None and sha == head[0]:
            first_break = None  # the head is back
        elif _field(data, "supersedes", memo) == (head[0] if head else None):
            head, first_break = (sha, commit, data), None
        elif first_break is None:
            first_break = _break(data, head, seen, f"commit {commit[:7]}", deleted_in, memo)
        seen.setdefault(sha, commit)
        last, deleted_in = (sha, commit, data), None
    if current is None:
        if last is None:
            return []
        position = _field(last[2], "position", memo) or "unknown"
        where = f"in commit {deleted_in[:7]}" if deleted_in else "from the working tree"
        return [f"record deleted {where}; its last version (commit {last[1][:7]}) records position {position}"]
    sha = hashlib.sha256(current).hexdigest()
    if last is not None and sha == last[0] and not deleted_in:
        return [first_break] if first_break else []
    if head is not None and sha == head[0]:
        return []
    if _field(current, "supersedes", memo) == (head[0] if head else None):
        return []
    return [first_break or _break(current, head, seen, "the working tree (uncommitted)", deleted_in, memo)]


def _break(data: bytes, head, seen: dict[str, str], where: str, deleted_in: str | None, memo: ParseMemo) -> str:
    """Say how a version fails to supersede the chain's head."""
    if head is None:
        return f"the version in {where} supersedes a record that is not in git history"
    supersedes = _field(data, "supersedes", memo)
    newest = f"the record of commit {head[1][:7]}"
    sha = hashlib.sha256(data).hexdigest()
    if sha in seen:
        return f"rolled back in {where}: it restores the version of commit {seen[sha][:7]}, hiding {newest}"
    if deleted_in:
        return f"recreated in {where} after its deletion in commit {deleted_in[:7]}, without superseding {newest}"
    if supersedes == _field(head[2], "supersedes", memo):
        return f"edited in {where}: it replaces {newest} without superseding it"
    if supersedes in seen:
        return f"rolled back in {where}: it supersedes the version of commit {seen[supersedes][:7]}, not the newer {newest}"
    return f"supersedes chain broken in {where}: it does not supersede {newest}"


def _field(data: bytes, key: str, memo: ParseMemo) -> str | None:
    """One top-level value of a record's bytes, even of an old version that no longer validates."""
    if key == "supersedes":
        known, value = memo.remembered_supersedes(data)
        if known:
            return value
    record, _ = memo.record_from_bytes(data, "")
    if record is not None:
        return getattr(record, key)
    text = data.decode("utf-8", "replace")
    try:
        tree = load_yaml(text)
    except YAMLProblem:
        tree = None
    value = tree.get(key) if isinstance(tree, dict) else None
    return value if isinstance(value, str) else None


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
