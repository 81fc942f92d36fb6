"""The one place that runs pandoc: found once, always sandboxed."""

from __future__ import annotations

import functools
import importlib.util
import os
import subprocess
from pathlib import Path

from .errors import BuildError

# A filter that refuses something raises `error("accord: <message>", 0)`; pandoc then
# prints a Lua traceback around it, and this prefix is how the one useful line is found.
FILTER_MESSAGE_PREFIX = "accord: "


@functools.cache
def pandoc_path() -> str:
    """The pandoc binary bundled by pypandoc-binary, found without importing pypandoc."""
    spec = importlib.util.find_spec("pypandoc")
    if spec and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "files" / "pandoc"
            if candidate.exists():
                return str(candidate)
    import pypandoc  # slower, but knows every other place pandoc may live

    try:
        return str(pypandoc.get_pandoc_path())
    except OSError:
        raise BuildError("pandoc not found: install the package with `make setup` (pypandoc-binary bundles it)") from None


class FilterRefusal(BuildError):
    """A pandoc filter of accord refused the input (an image outside the folder, a raw block)."""


def run_pandoc(args: list[str], stdin: bytes | str | None = None, *, cwd: Path | None = None,
               env: dict[str, str] | None = None, what: str = "pandoc") -> bytes:
    """Run pandoc --sandbox with args; return stdout, or raise BuildError with pandoc's first error line.

    A refusal by one of accord's filters raises FilterRefusal carrying the filter's own message.
    """
    return _run([pandoc_path(), "--sandbox", *args], stdin, cwd=cwd, env=env, what=what)


def run_pandoc_lua(program: str, stdin: bytes | str, *, env: dict[str, str] | None = None,
                   what: str = "pandoc") -> bytes:
    """Run a Lua program of accord's own with `pandoc lua -E -e` (LUA_INIT ignored; errors as run_pandoc's).

    `pandoc lua` takes no --sandbox: the program must read nothing but its standard input
    and parse with pandoc.read's sandbox (its fourth argument, a list of the files the
    reader may see: an empty one). One process can then do the work of several pandoc
    runs, each of which costs a start-up and a heap of its own."""
    return _run([pandoc_path(), "lua", "-E", "-e", program], stdin, cwd=None, env=env, what=what)


def _run(command: list[str], stdin: bytes | str | None, *, cwd: Path | None, env: dict[str, str] | None,
         what: str) -> bytes:
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    full_env = {**os.environ, **(env or {})}
    try:
        result = subprocess.run(command, input=stdin, capture_output=True, cwd=cwd, env=full_env, check=False)
    except OSError as exc:
        raise BuildError(f"cannot run pandoc: {exc.strerror}") from None
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        refusal = next((line.removeprefix(FILTER_MESSAGE_PREFIX) for line in lines
                        if line.startswith(FILTER_MESSAGE_PREFIX)), None)
        if refusal:
            raise FilterRefusal(refusal)
        raise BuildError(f"{what} failed: {lines[0] if lines else f'exit code {result.returncode}'}")
    return result.stdout


def run_pandoc_cached(args: list[str], stdin: bytes | str, *, env: dict[str, str] | None = None,
                      what: str = "pandoc") -> bytes:
    """run_pandoc, answered from the output cache when pandoc has read exactly these inputs before.

    The key is a SHA-256 over everything the output depends on: the pandoc binary (path, size,
    time), the arguments, the bytes of every Lua filter they name, the environment given and
    the text. The site converts a few hundred unchanged texts on every run; with the cache
    it starts pandoc only for the ones that changed. A failure is never cached.
    """
    from .outputcache import OutputCache

    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    binary = pandoc_path()
    stat = os.stat(binary)
    parts = [f"{binary}:{stat.st_size}:{stat.st_mtime_ns}".encode(), *(arg.encode() for arg in args)]
    for arg in args:
        if arg.startswith("--lua-filter="):
            parts.append(Path(arg.removeprefix("--lua-filter=")).read_bytes())
    parts += [f"{name}={value}".encode() for name, value in sorted((env or {}).items())]
    parts.append(stdin)
    return OutputCache("pandoc").get_or_make(parts, lambda: run_pandoc(args, stdin, env=env, what=what))
