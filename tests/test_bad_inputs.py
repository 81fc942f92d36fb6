"""Every bad input is answered in one line that names the file or argument, with the right exit code, no
traceback, and nothing written: the working tree, HEAD, every ref and git's status are as they were.

Each case is (name, setup, arguments, exit code, stdout, stderr). `setup(repo, tmp)` breaks something before
the command runs; `{repo}` and `{tmp}` in arguments and messages stand for the repository and its tmp folder.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import STATEMENT, git, make_alliance, run, write
from helpers.alliance import SHARED

GOOD = STATEMENT.format(id="child-protection", status="draft")
S = "statements/child-protection/statement.md"
E = "statements/child-protection/endorsements"
RECORD = (f"statement: child-protection\npartner: unicef\nposition: endorse\ntext_sha256: {'a' * 64}\n"
          "signatory: Signer of UNICEF, Director\nrecorded_at: 2026-11-28\n")
ENDORSE = ["endorse", "child-protection", "unicef", "--position", "endorse", "--signatory", "Signer of UNICEF"]


@pytest.fixture
def repo(tmp_path) -> Path:
    """conftest's repository plus the .gitignore a real one has."""
    return make_alliance(tmp_path / "alliance", gitignore="build/\ndist/\nsite/\n")


def snapshot(tmp: Path, root: Path) -> dict:
    """Every file under tmp (the repo's work tree and any file a case made beside it), HEAD, refs, status.

    A house font that copies share is known by its inode, not read (12 MB a case): replacing it gives
    another inode, and the conftest guard fails a test that writes into it."""
    files = {}
    for path in sorted(tmp.rglob("*")):
        if ".git" in path.relative_to(tmp).parts:
            continue
        facts = path.stat()
        files[path.relative_to(tmp).as_posix()] = (
            "dir" if path.is_dir() and not path.is_symlink() else
            f"shared inode {facts.st_ino}" if (facts.st_dev, facts.st_ino) in SHARED.inodes else
            hashlib.sha256(path.read_bytes()).hexdigest())
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "-q", "--verify", "HEAD"], capture_output=True,
                          text=True).stdout
    return {"files": files, "head": head, "refs": git(root, "for-each-ref"),
            "status": git(root, "status", "--porcelain", "--untracked-files=all", "--ignored")}


# -- setups ------------------------------------------------------------------------------

def statement(text: str | bytes):
    return lambda repo, tmp: write(repo / S, text)


def committed_statement(text: str):
    def setup(repo, tmp):
        write(repo / S, text)
        git(repo, "commit", "-q", "-am", "Edit")
    return setup


def partner_file(text: str | bytes, name: str = "unicef"):
    return lambda repo, tmp: write(repo / "partners" / f"{name}.yaml", text)


def record(text: str | bytes, name: str = "unicef.yaml"):
    return lambda repo, tmp: write(repo / E / name, text)


def file_in_tmp(name: str, data: str | bytes):
    return lambda repo, tmp: write(tmp / name, data)


def no_history(repo, tmp):
    shutil.rmtree(repo / ".git")
    git(repo, "init", "-q", "-b", "main")


def endorsed_then_edited(repo, tmp):
    assert run(*ENDORSE, "--repo", str(repo)).code == 0
    write(repo / E / "unicef.yaml", (repo / E / "unicef.yaml").read_text().replace("Signer of UNICEF", "Someone Else"))


def endorsements_is_a_file(repo, tmp):
    write(repo / E, "not a folder\n")


def key_of_nobody(repo, tmp):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(tmp / "stray")], check=True)


def sent_packet_and_a_second_statement(repo, tmp):
    assert run("review", "send", "child-protection", "--partner", "unicef", "-o", str(tmp / "packet.docx"),
               "--repo", str(repo)).code == 0
    write(repo / "statements/second-text/statement.md", STATEMENT.format(id="second-text", status="draft"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Sent, and a second text")


def both(*setups):
    def setup(repo, tmp):
        for each in setups:
            each(repo, tmp)
    return setup


# -- DOCX files --------------------------------------------------------------------------

CONTENT_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                 '</Types>')
RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>')
BODY = ('<?xml version="1.0"?>{doctype}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
        'main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>')
XXE = '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'


def zipped(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx(document: str) -> bytes:
    return zipped({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "word/document.xml": document})


PLAIN_DOCX = docx(BODY.format(doctype="", text="Hello"))
IMPORT = ["review", "import", "child-protection", "{tmp}/in.docx"]


def returned(data: bytes):
    return file_in_tmp("in.docx", data)


# -- the corpus --------------------------------------------------------------------------

NOT_PLAIN = "not a DOCX file"
CASES = [
    # malformed statements, met by every command that reads them
    ("statement yaml syntax / build", statement(GOOD.replace("kind: joint-statement", "kind: [joint")),
     ["build", "--format", "html"], 2, "", f"Error: {S}:6: YAML syntax error: did not find expected ',' or ']'"),
    ("statement bad enum / status", statement(GOOD.replace("kind: joint-statement", "kind: memo")),
     ["status", "child-protection"], 2, "",
     f"Error: {S}:5: 'kind' must be one of joint-statement, recommendations; found 'memo'"),
    ("statement empty / endorse", statement(""), ENDORSE, 2, "", f"Error: {S}: file is empty"),
    ("statement bad date / review send", statement(GOOD.replace("2010-10-18", "2010-02-30")),
     ["review", "send", "child-protection", "--partner", "unicef"], 2, "",
     f"Error: {S}:7: 'date' is not a valid date: '2010-02-30' (use YYYY-MM-DD)"),
    ("statement invalid utf-8 / diff", statement(GOOD.encode().replace(b"Children on", b"Children\xff on")),
     ["diff", "child-protection", "--format", "md"], 2, "", f"Error: {S}:18: invalid UTF-8 (byte 0xff at offset 305)"),
    ("statement binary / release", statement(b"\x89PNG\r\n\x1a\n\x00\x00"), ["release", "child-protection"], 2, "",
     f"Error: {S}: binary file (contains NUL bytes), expected UTF-8 text"),
    ("statement id differs from folder / endorse", statement(GOOD.replace("id: child-protection", "id: child-prot")),
     ENDORSE, 2, "", f"Error: {S}:2: id 'child-prot' differs from its folder 'child-protection'"),
    ("statement unknown key / check", statement(GOOD.replace("language: en", "langauge: en")), ["check"], 1,
     f"{S}:8: unknown key 'langauge' in statement front matter (did you mean 'language'?)\n",
     "1 problem in 1 file"),
    ("statement without front matter / build", statement(GOOD.split("---\n", 2)[2]), ["build", "--format", "docx"],
     2, "", f"Error: {S}:1: no front matter: the file must start with a '---' line, then YAML, then a closing "
            "'---' line"),
    ("new over an existing statement", None,
     ["new", "child-protection", "--kind", "joint-statement", "--title", "Again"], 2, "",
     "Error: statement 'child-protection' already exists (statements/child-protection)"),
    ("new with a bad id", None, ["new", "Child_Protection", "--kind", "joint-statement", "--title", "T"], 2, "",
     "Error: 'Child_Protection' is not a valid statement id (use a-z, 0-9 and '-', 2 to 63 characters)"),
    ("new with an empty title", None, ["new", "fresh-text", "--kind", "joint-statement", "--title", " "], 2, "",
     "Error: --title must be one non-empty line"),

    # malformed partners and settings
    ("partner yaml syntax / endorse", partner_file("id: unicef\nname: [\n"), ENDORSE, 2, "",
     "Error: partners/unicef.yaml:3: YAML syntax error: did not find expected node content"),
    ("partner missing name / status", partner_file("id: unicef\nkind: igo\n"), ["status"], 2, "",
     "Error: partners/unicef.yaml:1: missing required key 'name' in partner"),
    ("partner unknown kind / build", partner_file("id: unicef\nname: UNICEF\nkind: igp\n"),
     ["build", "--format", "html"], 2, "",
     "Error: partners/unicef.yaml:3: 'kind' must be one of igo, ngo, state, partner-state, other; found 'igp' "
     "(did you mean 'igo'?)"),
    ("partner key not a key / verify",
     partner_file("id: unicef\nname: UNICEF\nkind: igo\nsigners:\n  - name: A\n    principal: a@unicef.example\n"
                  "    key: ssh-ed25519 not-base64!\n"), ["verify"], 2, "",
     "Error: partners/unicef.yaml:7: 'key' is not an SSH public key (expected 'ssh-ed25519 AAAA...'): "
     "'ssh-ed25519 not-base64!'"),
    ("partner binary / review send", partner_file(b"\x00\x01\x02"),
     ["review", "send", "child-protection", "--partner", "iom"], 2, "",
     "Error: partners/unicef.yaml: binary file (contains NUL bytes), expected UTF-8 text"),
    ("partner id differs from file / check", partner_file("id: unicef2\nname: UNICEF\nkind: igo\n"), ["check"], 1,
     "partners/unicef.yaml:1: id 'unicef2' differs from the file name 'unicef'\n"
     f"{S}:11: unknown partner 'unicef' (did you mean 'unicef2'?)\n"
     f"{S}:12: unknown partner 'unicef' (did you mean 'unicef2'?)\n", "3 problems in 2 files"),
    ("settings unknown key / status", lambda repo, tmp: write(repo / "accord.yaml", "organisation: X\n"),
     ["status"], 2, "",
     "Error: accord.yaml:1: unknown key 'organisation' in accord.yaml (did you mean 'organization'?)"),
    ("settings unknown format / build", lambda repo, tmp: write(repo / "accord.yaml", "build: {formats: [odt]}\n"),
     ["build"], 2, "", "Error: accord.yaml:1: 'formats[1]' must be one of docx, pdf, html; found 'odt'"),

    # malformed endorsement records
    ("record yaml syntax / verify", record("statement: child-protection\npartner: [\n"), ["verify"], 1,
     f"{E}/unicef.yaml:3: YAML syntax error: did not find expected node content\n", "1 failure in 1 record"),
    ("record binary / verify", record(b"\x00\x01"), ["verify"], 1,
     f"{E}/unicef.yaml: binary file (contains NUL bytes), expected UTF-8 text\n", "1 failure in 1 record"),
    ("record binary / build", record(b"\x00\x01"), ["build", "--format", "html"], 2, "",
     f"Error: {E}/unicef.yaml: binary file (contains NUL bytes), expected UTF-8 text"),
    ("record for another statement / check", record(RECORD.replace("statement: child-protection", "statement: other-text")),
     ["check"], 1, f"{E}/unicef.yaml:1: record names statement 'other-text', but it is filed under 'child-protection'\n",
     "1 problem in 1 file"),
    ("record bad hash / release", record(RECORD.replace("a" * 64, "abc")), ["release", "child-protection"], 1,
     "child-protection cannot be released:\n"
     "  - status is 'draft'; only a 'final' text can be released\n"
     f"  - accord check: {E}/unicef.yaml:4: 'text_sha256' is not a SHA-256 hash: 'abc' (64 lowercase hex digits)\n"
     f"  - the working tree has uncommitted changes ({E}/unicef.yaml); commit them first\n",
     "Release refused (3 reasons); nothing was written."),
    ("record with uncommitted edits / endorse", endorsed_then_edited, ENDORSE, 2, "",
     f"Error: {E}/unicef.yaml has uncommitted changes; commit or discard them first, or pass --no-commit"),
    ("endorsements folder is a file / endorse", endorsements_is_a_file, ENDORSE, 2, "",
     f"Error: cannot write {E}/unicef.yaml: File exists"),

    # signatures
    ("signature without its record / verify", record("not a signature\n", "unicef.yaml.sig"), ["verify"], 1,
     f"{E}/unicef.yaml.sig: signature without its record\n", "1 failure in 1 record"),
    ("sign with a missing key", None, [*ENDORSE, "--sign", "{tmp}/no-such-key"], 2, "",
     "Error: cannot read key {tmp}/no-such-key: no such file"),
    ("sign with a file that is no key", file_in_tmp("key", "hello\n"), [*ENDORSE, "--sign", "{tmp}/key"], 2, "",
     "Error: {tmp}/key is not an SSH key"),
    ("sign with a folder", None, [*ENDORSE, "--sign", "{tmp}"], 2, "", "Error: cannot read key {tmp}: is a directory"),

    # revisions
    ("diff from an unknown revision", None, ["diff", "child-protection", "--from", "v0"], 2, "",
     "Error: --from: unknown revision 'v0'"),
    ("diff to an unknown revision", None, ["diff", "child-protection", "--from", "HEAD", "--to", "HEAD~3"], 2, "",
     "Error: --to: unknown revision 'HEAD~3'"),
    ("diff from an option-like revision", None, ["diff", "child-protection", "--from", "--output=x"], 2, "",
     "Error: --from: unknown revision '--output=x'"),
    ("diff since a partner that never endorsed", None,
     ["diff", "child-protection", "--since-endorsement", "iom"], 2, "",
     "Error: partner 'iom' has never endorsed 'child-protection'"),
    ("diff without history", no_history, ["diff", "child-protection"], 2, "",
     f"Error: {S} has no committed version to compare with; commit it first or pass --from REV"),
    ("review import with an unknown base", returned(PLAIN_DOCX), [*IMPORT, "--partner", "unicef", "--base", "v9"], 2,
     "", "Error: unknown revision 'v9'"),
    ("release rebuild without its tag", None, ["release", "child-protection", "--rebuild", "1"], 2, "",
     "Error: no release tag child-protection/v1 (git tag --list 'child-protection/v*' shows the releases)"),

    # DOCX files coming back from partners
    ("docx missing", None, IMPORT, 2, "", "Error: {tmp}/in.docx: cannot read the file: No such file or directory"),
    ("docx is a folder", lambda repo, tmp: (tmp / "in.docx").mkdir(), IMPORT, 2, "", "Error: {tmp}/in.docx: not a file"),
    ("docx empty", returned(b""), IMPORT, 2, "", "Error: {tmp}/in.docx: file is empty"),
    ("docx not a zip", returned(b"%PDF-1.7\n"), IMPORT, 2, "", f"Error: {{tmp}}/in.docx: {NOT_PLAIN} (not a zip archive)"),
    ("docx old Word format", returned(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)), IMPORT, 2, "",
     "Error: {tmp}/in.docx: password-protected or old-format Word file (OLE2), not a DOCX: remove the password or "
     "save it as a .docx, then import again"),
    ("docx zip of something else", returned(zipped({"hello.txt": "x"})), IMPORT, 2, "",
     f"Error: {{tmp}}/in.docx: {NOT_PLAIN} (a zip archive without [Content_Types].xml)"),
    ("docx without a document part", returned(zipped({"[Content_Types].xml": CONTENT_TYPES})), IMPORT, 2, "",
     f"Error: {{tmp}}/in.docx: {NOT_PLAIN} (no main document part word/document.xml)"),
    ("docx with an external entity", returned(docx(BODY.format(doctype=XXE, text="&x;"))),
     [*IMPORT, "--partner", "unicef", "--base", "HEAD"], 2, "",
     "Error: {tmp}/in.docx: refused: word/document.xml declares a DTD or entities (<!DOCTYPE>/<!ENTITY>), which a "
     "Word file never does"),
    ("docx with broken xml", returned(docx("<w:document")), [*IMPORT, "--partner", "unicef", "--base", "HEAD"], 2, "",
     "Error: {tmp}/in.docx: word/document.xml is not well-formed XML (Namespace prefix w on document is not defined, "
     "line 1, column 12 (<string>, line 1))"),
    ("docx that names no partner", returned(PLAIN_DOCX), IMPORT, 2, "",
     "Error: {tmp}/in.docx: the DOCX does not say which partner reviewed it; pass --partner P"),
    ("docx that names no base", returned(PLAIN_DOCX), [*IMPORT, "--partner", "unicef"], 2, "",
     "Error: {tmp}/in.docx: the DOCX does not say which text it was made from (it was not sent by `accord review "
     "send`); pass --base REV, the commit whose text the partner reviewed"),
    ("docx sent for another statement", sent_packet_and_a_second_statement,
     ["review", "import", "second-text", "{tmp}/packet.docx"], 2, "",
     "Error: {tmp}/packet.docx: this DOCX was sent for statement 'child-protection', not 'second-text'"),
    ("docx with an unknown partner", sent_packet_and_a_second_statement,
     ["review", "import", "child-protection", "{tmp}/packet.docx", "--partner", "unicf"], 2, "",
     "Error: unknown partner 'unicf' (did you mean 'unicef'?)"),

    # command-line arguments
    ("unknown command", None, ["publish"], 2, "", "Error: No such command 'publish'."),
    ("misspelt option", None, ["status", "--jsn"], 2, "", "Error: No such option '--jsn'. Did you mean '--json'?"),
    ("repo that does not exist", None, ["status", "--repo", "{tmp}/nowhere"], 2, "",
     "Error: --repo {tmp}/nowhere: no such directory"),
    ("unknown statement", None, ["status", "child-protectoin"], 2, "",
     "Error: unknown statement 'child-protectoin' (did you mean 'child-protection'?)"),
    ("unsafe statement id", None, ["build", "../etc"], 2, "",
     "Error: '../etc' is not a valid statement id (use a-z, 0-9 and '-', 2 to 63 characters)"),
    ("unknown format", None, ["build", "--format", "odt"], 2, "",
     "Error: --format: unknown format 'odt' (choose from docx, pdf, html)"),
    ("no jobs", None, ["build", "--jobs", "0"], 2, "", "Error: --jobs 0: must be 1 or more"),
    ("jobs not a number", None, ["build", "-j", "many"], 2, "",
     "Error: Invalid value for '--jobs' / '-j': 'many' is not a valid integer."),
    ("shard out of range", None, ["build", "--shard", "3/2"], 2, "", "Error: --shard 3/2: I must be between 1 and N"),
    ("shard not I/N", None, ["build", "--shard", "half"], 2, "", "Error: --shard half: expected I/N, e.g. --shard 1/4"),
    ("build out is a file", file_in_tmp("out.txt", "x"), ["build", "--format", "html", "--out", "{tmp}/out.txt"], 2,
     "", "Error: {tmp}/out.txt is a file, not a folder"),
    ("missing partner argument", None, ["endorse", "child-protection"], 2, "", "Error: Missing argument 'PARTNER'."),
    ("unknown position", None, [*ENDORSE[:4], "endorsed", *ENDORSE[5:]], 2, "",
     "Error: unknown position 'endorsed' (did you mean 'endorse'?); positions are endorse, endorse-with-reservations, "
     "no-objection, abstain, object, withdrawn"),
    ("control character in the signatory", None, [*ENDORSE[:6], "Jane\x1b[2JDoe"], 2, "",
     "Error: the signatory must not contain control characters (found U+001B)"),
    ("control character in a reservation", None,
     [*ENDORSE[:4], "endorse-with-reservations", *ENDORSE[5:], "--reservation", "2: see\x07 note"], 2, "",
     "Error: a reservation must not contain control characters (found U+0007)"),
    ("misspelt evidence kind", None, [*ENDORSE, "--evidence", "leter:A/1"], 2, "",
     "Error: unknown evidence kind 'leter' (did you mean 'letter'?); use KIND:REF with KIND one of letter, "
     "note-verbale, email, meeting, url, silence (or just none)"),
    ("review packet to a folder", None, ["review", "send", "child-protection", "--partner", "unicef", "-o", "{tmp}"],
     2, "", "Error: -o {tmp}: is a folder, not a file"),
    ("review packet into a missing folder", None,
     ["review", "send", "child-protection", "--partner", "unicef", "-o", "{tmp}/typo/packet.docx"], 2, "",
     "Error: -o {tmp}/typo/packet.docx: the folder {tmp}/typo does not exist"),
    ("review packet for an unknown partner", None, ["review", "send", "child-protection", "--partner", "unicf"], 2,
     "", "Error: unknown partner 'unicf' (did you mean 'unicef'?)"),
    ("diff to an unknown format", None, ["diff", "child-protection", "--format", "pdf"], 2, "",
     "Error: --format: unknown format 'pdf' (choose from term, html, md, docx)"),
    ("diff docx without a file", None, ["diff", "child-protection", "--format", "docx"], 2, "",
     "Error: --format docx writes a Word file: add -o FILE.docx"),
    ("release rebuild of version 0", None, ["release", "child-protection", "--rebuild", "0"], 2, "",
     "Error: Invalid value for '--rebuild': 0 is not in the range x>=1."),
    ("release rebuild as a dry run", None, ["release", "child-protection", "--rebuild", "1", "--dry-run"], 2, "",
     "Error: --rebuild and --dry-run cannot be combined"),
    ("release of an unknown statement", None, ["release", "child-protectio"], 2, "",
     "Error: unknown statement 'child-protectio' (did you mean 'child-protection'?)"),
    ("site into a file", file_in_tmp("site.txt", "x"), ["site", "-o", "{tmp}/site.txt"], 2, "",
     "Error: {tmp}/site.txt is a file, not a folder"),
    ("diff over a tracked file", None, ["diff", "child-protection", "--format", "md", "-o", "{tmp}/alliance/" + S], 2,
     "", f"Error: -o {{tmp}}/alliance/{S}: is a file tracked by git; accord never overwrites one (choose another file)"),
    ("review packet into .git", None,
     ["review", "send", "child-protection", "--partner", "unicef", "-o", "{tmp}/alliance/.git/config"], 2, "",
     "Error: -o {tmp}/alliance/.git/config: is inside .git/, git's own folder; accord never writes there"),
    ("repo at a subfolder of another repository", None,
     ["endorse", *ENDORSE[1:], "--repo", "{tmp}/alliance/statements"], 2, "",
     "Error: --repo {tmp}/alliance/statements: is a folder inside the git repository {tmp}/alliance, not a "
     "repository of its own; pass the top level of an accord repository"),
    ("ci for an unknown service", None, ["init-ci", "jenkins"], 2, "",
     "Error: Invalid value for '{github|gitlab}': 'jenkins' is not one of 'github', 'gitlab'."),
    ("language version without its status / build",
     lambda repo, tmp: write(repo / "statements/child-protection/statement.fr.md",
                             "---\nid: child-protection\ntitle: Déclaration\nlanguage: fr\n"
                             f"translation-of: {'ab' * 32}\n---\n\nTexte.\n"), ["build"], 2, "",
     "Error: statements/child-protection/statement.fr.md:2: missing required key 'translation-status' in "
     "translation front matter"),
    ("translate into a tag that is no tag", None, ["translate", "child-protection", "fr_FR"], 2, "",
     "Error: 'fr_FR' is not a language tag (e.g. fr, ru, pt-BR)"),
    ("mark current a version that does not exist", None, ["translate", "child-protection", "fr", "--mark-current"],
     2, "", "Error: 'child-protection' has no fr version (statements/child-protection/statement.fr.md; it has none "
            "yet); `accord translate child-protection fr` starts one"),
]


@pytest.mark.parametrize("setup, args, code, out, err", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_bad_input_is_answered_in_one_line_and_nothing_is_written(repo, setup, args, code, out, err):
    tmp = repo.parent
    if setup is not None:
        setup(repo, tmp)
    args = [arg.replace("{tmp}", str(tmp)) for arg in args]
    before = snapshot(tmp, repo)
    result = run(*args, *([] if "--repo" in args else ["--repo", str(repo)]))
    assert (result.code, result.out, result.err) == (code, out, err.replace("{tmp}", str(tmp)) + "\n")
    assert "Traceback" not in result.out + result.err
    assert snapshot(tmp, repo) == before


def test_the_corpus_is_at_least_forty_cases_across_every_command():
    assert len(CASES) >= 40
    commands = {args[0] for _, _, args, *_ in CASES}
    assert commands >= {"new", "check", "build", "status", "endorse", "verify", "diff", "review", "release", "site",
                        "init-ci"}


def test_the_installed_command_answers_in_one_line_without_a_traceback(repo):
    accord = Path(sys.executable).with_name("accord")
    result = subprocess.run([str(accord), "status", "nope", "--repo", str(repo)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "error"})
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "Error: unknown statement 'nope'\n")
