"""The partner portal for tests: a real `accord serve` on 127.0.0.1 over a tmp repository, and an HTTP client.

The server runs in a subprocess on a free port and is stopped by its pid. The
client speaks plain HTTP/1.1 (http.client), keeps its own cookies, never follows
redirects, and can post forms (urlencoded or multipart), JSON and files.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from helpers.alliance import git, run, write

PASSWORD = "correct horse battery staple"
# Real argon2id, with argon2-cffi's cheapest parameters (made for test suites): a default hash costs 0.3 s of CPU here.
os.environ["ACCORD_PORTAL_TEST_HASHING"] = "cheapest"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_portal_key(root: Path) -> None:
    """Make the portal's key (accord portal keygen), list it in accord.yaml, commit."""
    made = run("portal", "keygen", "--repo", str(root))
    assert made.code == 0, made.err
    public = (root / ".accord" / "portal_ed25519.pub").read_text().strip()
    settings = root / "accord.yaml"
    write(settings, settings.read_text() + f"portal-keys:\n  - {public}\n")
    git(root, "commit", "-q", "-am", "The portal's key")


def add_user(root: Path, partner: str, email: str, *, role: str = "partner", base: str = "") -> str:
    """The secret of the new user's sign-in link."""
    added = run("portal", "add-user", partner, email, "--role", role, "--url", base or "http://portal.test",
                "--repo", str(root))
    assert added.code == 0, added.err
    return added.out.strip().rsplit("/welcome/", 1)[1]


def token(root: Path, email: str) -> str:
    made = run("portal", "token", email, "--repo", str(root))
    assert made.code == 0, made.err
    return made.out.strip()


@dataclass
class Server:
    root: Path
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(root: Path, log: Path) -> Server:
    """`accord serve` on a free port, waited for until it answers."""
    port = free_port()
    handle = open(log, "wb")
    process = subprocess.Popen(
        [sys.executable, "-c", "from accord.cli import run; run()", "serve", "--port", str(port), "--repo", str(root),
         "--log-level", "warning"], stdout=handle, stderr=subprocess.STDOUT, env={**os.environ})
    handle.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"accord serve exited: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return Server(root, port, process, log)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError(f"accord serve did not answer within 30 s: {log.read_text()}")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def field(self, name: str) -> str:
        """The value of a hidden form field of that name in the page."""
        match = re.search(rf'name="{name}" value="([^"]*)"', self.text)
        assert match, f"no field {name} in {self.text[:300]}"
        return match.group(1)


class Client:
    """One browser-like user agent: its cookies, no redirects followed."""

    def __init__(self, server: Server, bearer: str | None = None):
        self.server = server
        self.cookies: dict[str, str] = {}
        self.bearer = bearer

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=120)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.bearer:
            sent["Authorization"] = f"Bearer {self.bearer}"
        if content_type:
            sent["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body, headers=sent)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (413) and closed before the whole body was sent: read that answer
        response = connection.getresponse()
        data = response.read()
        set_cookies = response.headers.get_all("set-cookie") or []
        for cookie in set_cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value in ('""', "") or "max-age=0" in cookie.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        connection.close()
        return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, data, set_cookies)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, fields: dict | list | None = None, files: dict[str, tuple[str, bytes]] | None = None) -> Reply:
        items = list(fields.items()) if isinstance(fields, dict) else list(fields or [])
        if files:
            boundary = secrets.token_hex(12)
            parts = []
            for name, value in items:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
            for name, (filename, data) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                             "Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                             "\r\n\r\n".encode() + data + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            return self.request("POST", path, body, f"multipart/form-data; boundary={boundary}")
        return self.request("POST", path, urlencode(items).encode(), "application/x-www-form-urlencoded")

    def post_json(self, path: str, data) -> Reply:
        return self.request("POST", path, json.dumps(data).encode(), "application/json")

    def sign_in(self, email: str, password: str = PASSWORD) -> Reply:
        page = self.get("/sign-in")
        return self.post("/sign-in", {"form_token": page.field("form_token"), "next": "/", "email": email,
                                      "password": password})

    def welcome(self, secret: str, password: str = PASSWORD) -> Reply:
        page = self.get(f"/welcome/{secret}")
        assert page.status == 200, page.text
        return self.post(f"/welcome/{secret}", {"form_token": page.field("form_token"), "password": password,
                                                "repeat": password})

    def csrf(self, path: str = "/") -> str:
        return self.get(path).field("csrf")
