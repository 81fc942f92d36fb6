"""What the signing and verify tests share: keys made with ssh-keygen, registered and authorised, and the CLI calls."""

from __future__ import annotations

import subprocess

from helpers.alliance import git, run, write

FOLDER = "statements/child-protection/endorsements"
UNICEF = f"{FOLDER}/unicef.yaml"


def make_key(folder, name: str, passphrase: str = ""):
    path = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "", "-f", str(path)], check=True)
    return path


def secretariat_key(repo, folder):
    """The secretariat's key (made, listed in accord.yaml and committed on first use): it authorises key changes."""
    key = folder / "secretariat"
    if not key.exists():
        make_key(folder, "secretariat")
        settings = repo / "accord.yaml"
        write(settings, settings.read_text() + f"secretariat-keys:\n  - {key.with_suffix('.pub').read_text().strip()}\n")
        git(repo, "commit", "-q", "-am", "The secretariat's key")
    return key


def register(repo, partner: str, key_path, principal: str | None = None) -> None:
    """Give the partner's signer this public key (and optionally another principal), authorised by the
    secretariat's key, and commit."""
    secretariat = secretariat_key(repo, key_path.parent)
    path = repo / "partners" / f"{partner}.yaml"
    text = path.read_text() + f"    key: {key_path.with_suffix('.pub').read_text().strip()}\n"
    if principal is not None:
        text = text.replace(f"principal: signer@{partner}.example", f"principal: '{principal}'")
    write(path, text)
    authorised = run("authorise-keys", partner, "--sign", str(secretariat),
                     "--repo", str(repo))
    assert authorised.code == 0, authorised.err
    git(repo, "add", "-A", "partners")
    git(repo, "commit", "-q", "-m", f"Key for {partner}")


def endorse(repo, *args: str, partner: str = "unicef", position: str = "endorse", statement="child-protection",
            signatory: str | None = None):
    return run("endorse", statement, partner, "--position", position,
               "--signatory", signatory or f"Signer of {partner.upper()}", *args, "--repo", str(repo))


def verify(repo, *ids: str):
    return run("verify", *ids, "--repo", str(repo))


def short(repo, revision: str = "HEAD") -> str:
    return git(repo, "rev-parse", "--short=7", revision).strip()


def commit_all(repo, message: str = "Edit") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return short(repo)


def sign_bytes(data: bytes, key_path, namespace: str = "accord-endorsement") -> bytes:
    return subprocess.run(["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key_path)], input=data,
                          capture_output=True, check=True).stdout
