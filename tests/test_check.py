"""`accord check`: every kind of bad input is named with its place, all in one run."""

from __future__ import annotations

import time

import pytest

from conftest import ROOT, STATEMENT, run, write

GOOD = STATEMENT.format(id="child-protection", status="draft")
S = "statements/child-protection/statement.md"
RECORD = """\
statement: child-protection
partner: unicef
position: endorse
text_sha256: {hash}
signatory: Signer of UNICEF, Director
recorded_at: 2026-11-28
"""
H = "a" * 64

# check reads statements, partners and records, never templates/: the 81 tests copy the repository without them.
pytestmark = pytest.mark.alliance(templates=False)


def check(repo):
    return run("check", "--repo", str(repo))


def test_a_clean_repository_passes(repo):
    result = check(repo)
    assert (result.code, result.out) == (0, "OK: 1 statement checked\n")


def test_the_sample_statements_and_partners_pass():
    result = run("check", "--repo", str(ROOT))
    assert result.code == 0, result.out
    assert result.out.startswith("OK: ")


BAD_STATEMENTS = [
    ("yaml syntax error", GOOD.replace("kind: joint-statement", "kind: [joint"),
     f"{S}:6: YAML syntax error: did not find expected ',' or ']'"),
    ("missing key", GOOD.replace("title: Joint Statement on the Protection of Children\n", ""),
     f"{S}:2: missing required key 'title' in statement front matter"),
    ("unknown key", GOOD.replace("language: en", "langauge: en"),
     f"{S}:8: unknown key 'langauge' in statement front matter (did you mean 'language'?)"),
    ("bad status", GOOD.replace("status: draft", "status: draught"),
     f"{S}:6: 'status' must be one of draft, consultation, final, published, withdrawn; found 'draught' (did you mean 'draft'?)"),
    ("bad kind", GOOD.replace("kind: joint-statement", "kind: declaration"),
     f"{S}:5: 'kind' must be one of joint-statement, recommendations; found 'declaration'"),
    ("wrong type", GOOD.replace("threshold: 2", "threshold: two"),
     f"{S}:13: 'threshold' must be a whole number, found 'two'"),
    ("wrong list type", GOOD.replace("drafters: [Ana Pereira]", "drafters: Ana Pereira"),
     f"{S}:9: 'drafters' must be a list, found 'Ana Pereira'"),
    ("invalid date", GOOD.replace("date: 2010-10-18", "date: 2010-13-45"),
     f"{S}:7: 'date' is not a valid date: '2010-13-45' (use YYYY-MM-DD)"),
    ("id differs from folder", GOOD.replace("id: child-protection", "id: child-protect"),
     f"{S}:2: id 'child-protect' differs from its folder 'child-protection'"),
    ("unsafe id", GOOD.replace("id: child-protection", "id: ../x"),
     f"{S}:2: 'id' is not a valid id: '../x' (use a-z, 0-9 and '-', 2 to 63 characters)"),
    ("unknown partner", GOOD.replace("invited: [unicef,", "invited: [unicef2,"),
     f"{S}:11: unknown partner 'unicef2' (did you mean 'unicef'?)\n"
     f"{S}:12: required partner 'unicef' is not invited"),
    ("required not invited", GOOD.replace("required: [unicef]", "required: [lastrada]"),
     f"{S}:12: required partner 'lastrada' is not invited"),
    ("no front matter", GOOD.split("---\n", 2)[2],
     f"{S}:1: no front matter: the file must start with a '---' line, then YAML, then a closing '---' line"),
    ("unclosed front matter", GOOD.replace("---\n\n## Preamble", "\n## Preamble"),
     f"{S}:1: no front matter: the file must start with a '---' line, then YAML, then a closing '---' line"),
    ("raw block", GOOD + "\n```{=openxml}\n<w:p/>\n```\n",
     f"{S}:33: raw openxml block is not allowed (add it to 'allow-raw' in the front matter to allow it)"),
    ("duplicate key", GOOD.replace("language: en", "language: en\nlanguage: fr"),
     f"{S}:9: duplicate key 'language'"),
    ("yaml alias", GOOD.replace("drafters: [Ana Pereira]", "drafters: &d [Ana]\nsymbol2: *d"),
     f"{S}:9: YAML anchors and aliases (&name, *name) are not allowed"),
]


@pytest.mark.parametrize("text, expected", [case[1:] for case in BAD_STATEMENTS],
                         ids=[case[0] for case in BAD_STATEMENTS])
def test_a_bad_statement_is_reported_with_its_line(repo, text, expected):
    write(repo / S, text)
    result = check(repo)
    assert result.code == 1
    assert result.out == expected + "\n"
    count = len(expected.splitlines())
    assert result.err == f"{count} problem{'s' if count > 1 else ''} in 1 file\n"


BAD_BYTES = [
    ("invalid utf-8", GOOD.encode().replace(b"Children on", b"Children\xff on"),
     f"{S}:18: invalid UTF-8 (byte 0xff at offset 305)"),
    ("binary file", b"\x89PNG\r\n\x1a\n\x00\x00\x00", f"{S}: binary file (contains NUL bytes), expected UTF-8 text"),
    ("empty file", b"", f"{S}: file is empty"),
    ("blank file", b"\n  \n", f"{S}: file is empty"),
]


@pytest.mark.parametrize("data, expected", [case[1:] for case in BAD_BYTES], ids=[case[0] for case in BAD_BYTES])
def test_unreadable_bytes_are_reported(repo, data, expected):
    write(repo / S, data)
    result = check(repo)
    assert (result.code, result.out) == (1, expected + "\n")


def test_crlf_and_a_bom_are_valid_input(repo):
    write(repo / S, b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    assert check(repo).code == 0


def test_a_yaml_alias_bomb_is_refused_within_a_second(repo):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    write(repo / "partners" / "bomb.yaml", bomb)
    started = time.perf_counter()
    result = check(repo)
    assert time.perf_counter() - started < 1.0
    assert result.out == "partners/bomb.yaml:1: YAML anchors and aliases (&name, *name) are not allowed\n"


BAD_PARTNERS = [
    ("unknown kind", "id: ilo\nname: International Labour Organization\nkind: igp\n",
     "partners/ilo.yaml:3: 'kind' must be one of igo, ngo, state, partner-state, other; found 'igp' (did you mean 'igo'?)"),
    ("missing name", "id: ilo\nkind: igo\n", "partners/ilo.yaml:1: missing required key 'name' in partner"),
    ("unknown key", "id: ilo\nname: ILO\nkind: igo\nshortname: ILO\n",
     "partners/ilo.yaml:4: unknown key 'shortname' in partner (did you mean 'short'?)"),
    ("id differs from file", "id: ilo2\nname: ILO\nkind: igo\n",
     "partners/ilo.yaml:1: id 'ilo2' differs from the file name 'ilo'"),
    ("bad signer", "id: ilo\nname: ILO\nkind: igo\nsigners:\n  - title: Director\n",
     "partners/ilo.yaml:5: missing required key 'name' in signer"),
    ("wildcard principal", "id: ilo\nname: ILO\nkind: igo\nsigners:\n  - name: A\n    principal: '*@ilo.example'\n",
     "partners/ilo.yaml:6: 'principal' must be one exact identity (no spaces, wildcards or lists): '*@ilo.example'"),
    ("not a key", "id: ilo\nname: ILO\nkind: igo\nsigners:\n  - name: A\n    key: hello\n",
     "partners/ilo.yaml:6: 'key' is not an SSH public key (expected 'ssh-ed25519 AAAA...'): 'hello'"),
    ("yaml 1.1 boolean", "id: ilo\nname: ILO\nkind: igo\nshort: no\n", None),
]


@pytest.mark.parametrize("text, expected", [case[1:] for case in BAD_PARTNERS], ids=[case[0] for case in BAD_PARTNERS])
def test_a_bad_partner_file_is_reported(repo, text, expected):
    write(repo / "partners" / "ilo.yaml", text)
    result = check(repo)
    if expected is None:  # `no` is the text "no" (Norway), not false
        assert result.code == 0, result.out
    else:
        assert (result.code, result.out) == (1, expected + "\n")


def test_two_partner_files_with_the_same_id_are_reported(repo):
    write(repo / "partners" / "unicef-2.yaml", "id: unicef\nname: UNICEF again\nkind: igo\n")
    result = check(repo)
    assert result.out == (
        "partners/unicef-2.yaml:1: id 'unicef' differs from the file name 'unicef-2'\n"
        "partners/unicef.yaml:1: duplicate partner id 'unicef' (also in partners/unicef-2.yaml)\n")


BAD_RECORDS = [
    ("bad position", RECORD.format(hash=H).replace("position: endorse", "position: endorsed"),
     "statements/child-protection/endorsements/unicef.yaml:3: 'position' must be one of endorse, "
     "endorse-with-reservations, no-objection, abstain, object, withdrawn; found 'endorsed' (did you mean 'endorse'?)"),
    ("malformed hash", RECORD.format(hash="1a2b3c"),
     "statements/child-protection/endorsements/unicef.yaml:4: 'text_sha256' is not a SHA-256 hash: '1a2b3c' "
     "(64 lowercase hex digits)"),
    ("wrong statement", RECORD.format(hash=H).replace("statement: child-protection", "statement: other-text"),
     "statements/child-protection/endorsements/unicef.yaml:1: record names statement 'other-text', "
     "but it is filed under 'child-protection'"),
    ("bad date", RECORD.format(hash=H).replace("2026-11-28", "28/11/2026"),
     "statements/child-protection/endorsements/unicef.yaml:6: 'recorded_at' is not a valid date: '28/11/2026' (use YYYY-MM-DD)"),
]


@pytest.mark.parametrize("text, expected", [case[1:] for case in BAD_RECORDS], ids=[case[0] for case in BAD_RECORDS])
def test_a_bad_endorsement_record_is_reported(repo, text, expected):
    write(repo / "statements/child-protection/endorsements/unicef.yaml", text)
    result = check(repo)
    assert (result.code, result.out) == (1, expected + "\n")


def test_a_record_for_an_unknown_partner_is_reported(repo):
    write(repo / "statements/child-protection/endorsements/unicf.yaml",
          RECORD.format(hash=H).replace("partner: unicef", "partner: unicf"))
    result = check(repo)
    assert result.out == ("statements/child-protection/endorsements/unicf.yaml:2: unknown partner 'unicf' "
                          "(did you mean 'unicef'?)\n")


def test_every_problem_in_every_file_is_reported_in_one_run(repo):
    write(repo / S, GOOD.replace("status: draft", "status: draught").replace("language: en", "langauge: en"))
    write(repo / "partners" / "ilo.yaml", "id: ilo\nkind: igo\n")
    write(repo / "statements" / "second" / "statement.md", "")
    result = check(repo)
    assert result.code == 1
    assert len(result.out.splitlines()) == 4
    assert result.err == "4 problems in 3 files\n"


def test_check_json_lists_problems(repo):
    import json

    write(repo / "partners" / "ilo.yaml", "id: ilo\nkind: igo\n")
    result = run("check", "--json", "--repo", str(repo))
    assert result.code == 1
    assert json.loads(result.out) == {"ok": False, "problems": [
        {"path": "partners/ilo.yaml", "line": 1, "message": "missing required key 'name' in partner"}]}


def test_check_of_an_unknown_id_is_a_usage_error(repo):
    result = run("check", "child-protectoin", "--repo", str(repo))
    assert (result.code, result.err) == (2, "Error: unknown statement 'child-protectoin' (did you mean 'child-protection'?)\n")
