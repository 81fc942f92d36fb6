"""Many pandoc reads in one pandoc process, for tests that read several documents per example.

Each read is pandoc's own reader (`pandoc.read` in `pandoc lua`, the same code as `pandoc -f FORMAT -t json`),
so the ASTs are the ones `accord.redline.blocks.parse_markdown` and `accord.redline.docx.docx_words` get;
test_test_helpers checks that they are equal. What a batch saves is pandoc's start-up, a third of the
CPU time of a small read: the six reads of a redline example (two of a 15 kB DOCX, four of a 6 kB Markdown
text) take 0.41 s of CPU in six processes and 0.27 s in one.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from accord.pandoc import pandoc_path
from accord.redline.blocks import MARKDOWN_READER, Document, document_from_ast
from accord.redline.docx import ast_words

# Arguments come in threes (file, format, track-changes mode or "-"); one compact JSON AST per line goes out.
_SCRIPT = """\
for i = 1, #arg, 3 do
  local file = assert(io.open(arg[i], 'rb'))
  local content = file:read('a')
  file:close()
  local options = {}
  if arg[i + 2] ~= '-' then options.track_changes = arg[i + 2] .. '-changes' end
  io.write(pandoc.write(pandoc.read(content, arg[i + 1], options), 'json'), '\\n')
end
"""


def read_many(inputs: list[tuple[bytes | str, str, str]]) -> list[dict]:
    """pandoc's JSON AST of each (content, reader format, track-changes mode or "") in one pandoc run."""
    with tempfile.TemporaryDirectory(prefix="accord-reads-") as folder:
        script = Path(folder) / "read.lua"
        script.write_text(_SCRIPT, "utf-8")
        args = []
        for number, (content, reader, mode) in enumerate(inputs):
            path = Path(folder) / f"{number}.in"
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
            args += [str(path), reader, mode or "-"]
        result = subprocess.run([pandoc_path(), "lua", str(script), *args], capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == len(inputs), result.stderr.decode("utf-8", "replace")
    return [json.loads(line) for line in lines]


def markdown_read(body: str) -> tuple[str, str, str]:
    """A read_many input: a Markdown body, read as parse_markdown reads it."""
    return body, MARKDOWN_READER, ""


def docx_read(data: bytes, mode: str) -> tuple[bytes, str, str]:
    """A read_many input: a DOCX read with --track-changes=accept or reject, as docx_words reads it."""
    return data, "docx", mode


def document(ast: dict, title: str = "") -> Document:
    """parse_markdown's Document from a markdown_read's AST."""
    return document_from_ast(ast, title)


def docx_words(ast: dict) -> list[str]:
    """docx_words' words from a docx_read's AST: the title's, then the body's in reading order."""
    return ast_words(ast)
