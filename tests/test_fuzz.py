"""Fuzzing with hypothesis: the parsers never raise on any input, the canonical text is stable under every
whitespace edit and moved by every word edit, and a partner's random tracked changes come back as exactly the
text they meant. (The redline's accept -> new / reject -> old properties are in test_redline_properties.py.)"""

from __future__ import annotations

import textwrap
import unicodedata

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from accord.errors import StatementError
from accord.ledger import record_from_bytes
from accord.statement import canonical_text, parse_statement, statement_from_bytes, text_sha256

from conftest import git, write
from helpers.word import WordEdits

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- the parsers: problems are returned, never raised -------------------------------------

KEYS = ["id", "symbol", "title", "kind", "status", "date", "language", "drafters", "endorsement", "invited",
        "required", "threshold", "allow-raw", "version", "published", "titel"]
SCALARS = st.one_of(st.sampled_from(["child-protection", "draft", "final", "2010-10-18", "2010-13-45", "en", "null",
                                     "~", "yes", "no", "[unicef, iom]", "{a: 1}", "&a x", "*a", "'quoted", '"x"',
                                     "| \n  block", "!!python/object:os.system", "0x1F", "1e309", "-", "? x"]),
                    st.text(max_size=12))
YAMLISH = st.lists(st.tuples(st.integers(0, 4), st.sampled_from(KEYS), st.sampled_from([": ", ":", " : ", "- "]),
                             SCALARS), max_size=12).map(
    lambda lines: "".join(f"{' ' * indent}{key}{sep}{value}\n" for indent, key, sep, value in lines))
FRONT_MATTERED = st.tuples(YAMLISH, st.sampled_from(["---", "...", "--- ", "----", ""]), st.text(max_size=80)).map(
    lambda parts: f"---\n{parts[0]}{parts[1]}\n{parts[2]}")


@FAST
@given(st.one_of(st.text(), FRONT_MATTERED))
def test_the_statement_parser_returns_problems_and_never_raises(text):
    statement, problems = parse_statement(text, "s.md")
    assert (statement is None) == bool(problems)
    for problem in problems:
        assert problem.path == "s.md" and "\n" not in problem.message and problem.message


@FAST
@given(st.one_of(st.binary(max_size=300), FRONT_MATTERED.map(lambda text: text.encode("utf-8", "surrogatepass"))))
def test_statement_bytes_are_read_or_refused_with_a_statement_error(data):
    try:
        statement_from_bytes(data, "s.md")
    except StatementError as error:
        assert "\n" not in str(error)


RECORD_KEYS = ["statement", "partner", "position", "text_sha256", "commit", "signatory", "recorded_by",
               "recorded_at", "reservations", "evidence", "supersedes", "paragraph", "text", "kind", "ref"]


@FAST
@given(st.one_of(st.binary(max_size=300),
                 st.lists(st.tuples(st.integers(0, 4), st.sampled_from(RECORD_KEYS), SCALARS), max_size=10).map(
                     lambda lines: "".join(f"{' ' * i}{k}: {v}\n" for i, k, v in lines).encode("utf-8",
                                                                                             "surrogatepass"))))
def test_an_endorsement_record_is_read_or_refused_with_problems_never_raised(data):
    record, problems = record_from_bytes(data, "r.yaml")
    assert (record is None) == bool(problems)


# -- canonical text -----------------------------------------------------------------------

WORDS = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzéüçñœ’ÅABC"), min_size=1, max_size=9)
BLOCKS = st.lists(st.tuples(st.sampled_from(["para", "para", "heading", "item", "bullet"]),
                            st.lists(WORDS, min_size=1, max_size=12)), min_size=1, max_size=6)
SPACES = st.sampled_from([" ", "  ", "\t", " \t ", "\u00a0"[:0] + "   "])


def render(blocks, spaces, breaks, gaps, trailing, crlf) -> str:
    """Markdown of the blocks, with the whitespace choices given (each list is cycled through)."""
    out, n = [], 0
    for kind, words in blocks:
        line = ""
        for index, word in enumerate(words):
            if index:
                # a paragraph may be re-wrapped anywhere; other blocks are one line
                line += "\n" if kind == "para" and breaks[n % len(breaks)] else spaces[n % len(spaces)]
            line += word
            n += 1
        prefix = {"para": "", "heading": "## ", "item": "1. ", "bullet": "- "}[kind]
        line = prefix + line
        line = "\n".join(part + trailing[i % len(trailing)] for i, part in enumerate(line.split("\n")))
        out.append(line)
    body = ""
    for index, line in enumerate(out):
        body += line + "\n" + ("\n" * gaps[index % len(gaps)] if index + 1 < len(out) else "")
    return body.replace("\n", "\r\n") if crlf else body


def plain(blocks) -> str:
    return render(blocks, [" "], [False], [1], [""], False)


@FAST
@given(BLOCKS, st.text(max_size=30))
def test_the_canonical_text_of_a_canonical_body_is_itself(blocks, title):
    title = " ".join(title.split()) or "Title"
    assume("\n" not in title)
    canonical = canonical_text(title, plain(blocks))
    canonical_title, _, canonical_body = canonical.partition("\n\n")
    assert canonical_text(canonical_title, canonical_body) == canonical


@FAST
@given(BLOCKS, st.lists(SPACES, min_size=1), st.lists(st.booleans(), min_size=1),
       st.lists(st.integers(1, 3), min_size=1), st.lists(st.sampled_from(["", " ", "  ", "\t"]), min_size=1),
       st.booleans(), st.booleans())
def test_whitespace_edits_never_change_the_hash(blocks, spaces, breaks, gaps, trailing, crlf, decomposed):
    body = render(blocks, spaces, breaks, gaps, trailing, crlf)
    if decomposed:  # the same text typed with combining accents (NFD): canonical form is NFC
        body = unicodedata.normalize("NFD", body)
    assert text_sha256("A title", body) == text_sha256("A title", plain(blocks))


@FAST
@given(BLOCKS, st.integers(0, 10 ** 6), WORDS)
def test_changing_any_word_changes_the_hash(blocks, where, new_word):
    words = [(b, w) for b, (_, ws) in enumerate(blocks) for w in range(len(ws))]
    block, word = words[where % len(words)]
    assume(unicodedata.normalize("NFC", blocks[block][1][word]) != unicodedata.normalize("NFC", new_word))
    edited = [(kind, list(ws)) for kind, ws in blocks]
    edited[block][1][word] = new_word
    assert text_sha256("A title", plain(edited)) != text_sha256("A title", plain(blocks))


# -- a partner's tracked changes in Word come back as the text they meant -------------------

VOCABULARY = ("guardian child protection référence cooperation victims trafficking referral shelter dignity "
              "assessment safeguard mandate liaison witness evidence remedy recovery outreach training partner "
              "alliance règlement counsel interpreter appeal registry oversight benchmark custody transit "
              "asylum consent compensation labour inspection recruitment").split()
# No new word contains a word of the text or is contained in one: WordEdits finds a word by its text.
NEW_WORDS = ["promptly", "independent", "États", "co-ordinated", "women’s", "never", "always", "jointly"]
EDITS = st.lists(st.tuples(st.sampled_from(["replace", "delete", "insert", "untracked"]), st.integers(0, 999),
                           st.sampled_from(NEW_WORDS)), min_size=1, max_size=5)
TEXTS = st.permutations(VOCABULARY).flatmap(
    lambda words: st.lists(st.integers(4, 9), min_size=2, max_size=4).map(lambda sizes: _paragraphs(words, sizes)))


def _paragraphs(words: list[str], sizes: list[int]) -> list[list[str]]:
    paragraphs, start = [], 0
    for size in sizes:
        paragraphs.append(list(words[start:start + size]))
        start += size
    return paragraphs


@pytest.fixture(scope="module")
def review_repo(tmp_path_factory):
    from conftest import PARTNERS, ROOT
    import shutil

    root = tmp_path_factory.mktemp("fuzz") / "alliance"
    git(root.parent, "init", "-q", "-b", "main", str(root))
    shutil.copytree(ROOT / "templates", root / "templates", ignore=shutil.ignore_patterns("fonts", "site", "ci"))
    write(root / "accord.yaml", "organization: Test Alliance\nteam: Test Team\n")
    for partner_id, (name, _short, kind) in PARTNERS.items():
        write(root / "partners" / f"{partner_id}.yaml", f"id: {partner_id}\nname: \"{name}\"\nkind: {kind}\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Registry")
    return root


FRONT = textwrap.dedent("""\
    ---
    id: fuzzed-text
    title: A Statement of Random Words
    kind: joint-statement
    status: draft
    date: 2026-11-28
    endorsement:
      invited: [unicef]
    ---

    """)


@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking takes minutes
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(TEXTS, EDITS)
def test_random_tracked_changes_on_random_text_import_as_the_text_the_partner_meant(review_repo, tmp_path_factory,
                                                                                   paragraphs, edits):
    from accord.repo import Repo
    from accord.review import import_review, send_packet

    repo = Repo(review_repo)
    write(review_repo / "statements/fuzzed-text/statement.md",
          FRONT + "\n\n".join(" ".join(words) for words in paragraphs) + "\n")
    git(review_repo, "add", "-A")
    git(review_repo, "commit", "-q", "--allow-empty", "-m", "A new random text")
    folder = tmp_path_factory.mktemp("packet")
    packet = send_packet(repo, "fuzzed-text", "unicef", output=folder / "packet.docx")

    word_edits = WordEdits(packet.path.read_bytes())
    meant = [list(words) for words in paragraphs]
    touched = set()
    for kind, where, new_word in edits:
        places = [(p, w) for p, words in enumerate(paragraphs) for w in range(len(words)) if (p, w) not in touched]
        if not places:
            break
        p, w = places[where % len(places)]
        # An edit's neighbours stay as they are: WordEdits finds a word by its text and the space beside it,
        # which an edit next door may already have deleted ("A " deleted, then " B" is nowhere to be found).
        touched.update({(p, w - 1), (p, w), (p, w + 1)})
        word = paragraphs[p][w]
        if kind == "replace":
            word_edits.replace(word, new_word)
            meant[p][w] = new_word
        elif kind == "untracked":
            word_edits.untracked_replace(word, new_word)
            meant[p][w] = new_word
        elif kind == "insert":
            word_edits.insert_after(word, f" {new_word}")
            meant[p][w] = f"{meant[p][w]} {new_word}"
        elif len(paragraphs[p]) > 1:  # delete a word with the space before it (or after, for the first)
            word_edits.delete(f" {word}" if w else f"{word} ")
            meant[p][w] = ""
    returned = folder / "returned.docx"
    returned.write_bytes(word_edits.save())

    result = import_review(repo, "fuzzed-text", returned)
    assert result.conflicts == [] and result.branch is not None
    imported = statement_from_bytes(git(review_repo, "show", f"{result.branch}:statements/fuzzed-text/statement.md")
                                    .encode(), "imported")
    # pandoc reads Word's typographic apostrophe back as the plain one the Markdown source uses (and the
    # builds print as ’ again): that is the text the partner meant
    intended = "\n\n".join(" ".join(word for word in words if word) for words in meant).replace("’", "'")
    assert canonical_text(imported.title, imported.body) == canonical_text("A Statement of Random Words", intended)
    git(review_repo, "branch", "-q", "-D", result.branch)


@given(st.text(alphabet=st.sampled_from("ab &<>\"'\n\r\t\u00e9"), max_size=30))
def test_the_ooxml_escapes_write_what_the_standard_library_writes(text):
    from xml.sax.saxutils import escape, quoteattr

    from accord.ooxml import parts

    assert parts.escape(text) == escape(text)
    assert parts.quoteattr(text) == quoteattr(text)
