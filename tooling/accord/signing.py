"""SSH signatures of endorsement records: ssh-keygen -Y sign/verify, never prompting, never trusting patterns."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import SigningError
from .partners import EXACT_PRINCIPAL

NAMESPACE = "accord-endorsement"  # keeps a git commit signature from being replayed as an endorsement
REGISTRY_NAMESPACE = "accord-registry"  # signatures that authorise a key change in partners/
SSH_KEYGEN = "ssh-keygen"
TIMEOUT_SECONDS = 30

@dataclass(frozen=True)
class PublicKey:
    """An SSH public key: its type and the base64 blob that identifies it."""

    type: str
    blob: str

    @classmethod
    def parse(cls, text: str) -> "PublicKey | None":
        """'ssh-ed25519 AAAA... comment' (options before it are not allowed), or None.

        The key data must decode, and name the same key type as the text before it."""
        parts = (text or "").split()
        if len(parts) < 2:
            return None
        try:
            raw = base64.b64decode(parts[1], validate=True)
            embedded_type, _ = _ssh_string(raw, 0)
        except (ValueError, struct.error):
            return None
        if embedded_type.decode("ascii", "replace") != parts[0]:
            return None
        return cls(parts[0], base64.b64encode(raw).decode("ascii"))

    @property
    def line(self) -> str:
        return f"{self.type} {self.blob}"

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(base64.b64decode(self.blob)).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Signature:
    """What an armored SSHSIG says about itself before any cryptography: the key and namespace."""

    key: PublicKey
    namespace: str

    @classmethod
    def parse(cls, armored: bytes) -> "Signature | None":
        text = armored.decode("ascii", "replace").strip()
        match = re.fullmatch(r"-----BEGIN SSH SIGNATURE-----\s+(.*?)\s+-----END SSH SIGNATURE-----", text, re.S)
        if match is None:
            return None
        try:
            raw = base64.b64decode("".join(match.group(1).split()), validate=True)
            if raw[:6] != b"SSHSIG":
                return None
            position = 10  # magic and a uint32 version
            key_blob, position = _ssh_string(raw, position)
            namespace, position = _ssh_string(raw, position)
            key_type, _ = _ssh_string(key_blob, 0)
        except (ValueError, struct.error, IndexError):
            return None
        return cls(PublicKey(key_type.decode("ascii", "replace"), base64.b64encode(key_blob).decode("ascii")),
                   namespace.decode("utf-8", "replace"))


def _ssh_string(data: bytes, position: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from(">I", data, position)
    start = position + 4
    if start + length > len(data):
        raise ValueError("truncated")
    return data[start:start + length], start + length


def ssh_keygen() -> str:
    """The ssh-keygen executable, or SigningError saying how to get one."""
    found = shutil.which(SSH_KEYGEN)
    if found is None:
        raise SigningError("ssh-keygen not found: install OpenSSH 8.2 or later "
                           "(package openssh-client) to sign or verify endorsements")
    return found


def _run(args: list[str], data: bytes | None = None, *, agent: bool = False) -> subprocess.CompletedProcess:
    """Run ssh-keygen so that it can never ask for anything.

    No controlling terminal (new session), stdin closed unless it carries data, and
    no askpass helper: a prompt would hang a script or, worse, read the record on
    stdin as a passphrase. The agent is reachable only when signing through it.
    """
    hidden = {"SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "DISPLAY"} | (set() if agent else {"SSH_AUTH_SOCK"})
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    try:
        return subprocess.run([ssh_keygen(), *args], input=data,
                              stdin=None if data is not None else subprocess.DEVNULL,
                              capture_output=True, env=env, start_new_session=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise SigningError(f"ssh-keygen did not finish within {TIMEOUT_SECONDS} s") from None
    except OSError as exc:
        raise SigningError(f"cannot run ssh-keygen: {exc.strerror}") from None


def _first_error(result: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in result.stderr.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith("@") and line != "Signing data on standard input"]
    return lines[-1] if lines else f"ssh-keygen exited with status {result.returncode}"


@dataclass(frozen=True)
class SigningKey:
    """A key file --sign can use: a private key without a passphrase, or a public key held by ssh-agent."""

    path: Path
    public: PublicKey
    via_agent: bool = False


def signing_key(keyfile: str | os.PathLike) -> SigningKey:
    """Check a key file can sign without a prompt, and learn its public half."""
    path = Path(keyfile)
    try:
        head = path.read_bytes()[:16384]
    except FileNotFoundError:
        raise SigningError(f"cannot read key {keyfile}: no such file") from None
    except IsADirectoryError:
        raise SigningError(f"cannot read key {keyfile}: is a directory") from None
    except OSError as exc:
        raise SigningError(f"cannot read key {keyfile}: {exc.strerror}") from None
    if b"PRIVATE KEY-----" not in head:
        public = PublicKey.parse(head.decode("ascii", "replace"))
        if public is None:
            raise SigningError(f"{keyfile} is not an SSH key")
        if not os.environ.get("SSH_AUTH_SOCK"):
            raise SigningError(f"{keyfile} is a public key, and no ssh-agent is running to sign with its "
                               "private half: pass the private key file, or start ssh-agent and ssh-add the key")
        return SigningKey(path, public, via_agent=True)
    result = _run(["-y", "-P", "", "-f", str(path)])
    if result.returncode != 0:
        detail = _first_error(result)
        if "incorrect passphrase" in detail:
            raise SigningError(f"the key {keyfile} has a passphrase, and accord never prompts for one: "
                               f"load it into ssh-agent (ssh-add {keyfile}) and pass its public key to {{keyfile}}",
                               inputs=["keyfile"])
        if "bad permissions" in detail:
            raise SigningError(f"the key {keyfile} is readable by others, so ssh-keygen refuses it: chmod 600 {keyfile}")
        prefix = f'Load key "{path}": '
        raise SigningError(f"cannot use the key {keyfile}: {detail.removeprefix(prefix)}")
    public = PublicKey.parse(result.stdout.decode("ascii", "replace"))
    if public is None:
        raise SigningError(f"cannot use the key {keyfile}: ssh-keygen gave no public key")
    return SigningKey(path, public)


def sign(data: bytes, key: SigningKey, namespace: str = NAMESPACE) -> bytes:
    """An armored SSH signature of data in the accord namespace (the data goes on stdin, never a file)."""
    result = _run(["-Y", "sign", "-n", namespace, "-f", str(key.path)], data, agent=key.via_agent)
    if result.returncode != 0 or b"BEGIN SSH SIGNATURE" not in result.stdout:
        raise SigningError(f"cannot sign with {key.path}: {_first_error(result)}")
    return result.stdout


def is_exact_principal(principal: str) -> bool:
    return bool(EXACT_PRINCIPAL.fullmatch(principal or ""))


def verify(data: bytes, signature: bytes, allowed_signers: str, principal: str, *, namespace: str = NAMESPACE,
           at: int | None = None) -> str | None:
    """None when the signature is good for principal under allowed_signers, else ssh-keygen's reason.

    at (a Unix time) is the moment the keys' validity windows are judged at; default now."""
    with tempfile.TemporaryDirectory(prefix="accord-verify-") as folder:
        allowed_path = Path(folder) / "allowed_signers"
        signature_path = Path(folder) / "record.sig"
        allowed_path.write_text(allowed_signers, encoding="utf-8")
        signature_path.write_bytes(signature)
        when = [f"-Overify-time={time.strftime('%Y%m%d%H%M%S', time.gmtime(at))}Z"] if at is not None else []
        result = _run(["-Y", "verify", "-f", str(allowed_path), "-I", principal, "-n", namespace,
                       "-s", str(signature_path), *when], data)
    if result.returncode == 0:
        return None
    return _first_error(result)
