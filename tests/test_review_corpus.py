"""Word-made DOCX files from other projects' test data, imported as a partner's review.

For each file: the base is its reject-all reading, committed as a statement;
the file is imported onto it; the branch must equal the accept-all reading
(Word's rules: a deleted paragraph mark joins the paragraphs), or the import
must list what it did not carry and leave the text there as it was. A table of
the results is printed (run with -s to see it) and written to
build/real-docx-results.md. Sources and licences: tests/data/real-docx/README.md.

"Equal" is block for block, after `notation`: two pieces of Markdown notation that
are not words of the text are made alike on both sides. Footnote labels: the
import keeps the statement's own labels ([^3]) where pandoc's reading numbers
them afresh ([^2]); both are the same note. Ordered-list numbers after a list's
first item: Markdown renumbers a list from its first number, so `1. 2. 2. 4.`
and `1. 2. 3. 4.` are the same list (the first number of each list still counts).
"""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, git, make_alliance, write

CORPUS = ROOT / "tests" / "data" / "real-docx"
FILES = sorted(CORPUS.glob("*.docx"))
RESULTS: list[tuple[str, str, str]] = []


def sources() -> dict[str, str]:
    """file name -> where it comes from, from the README's table."""
    found = {}
    for line in (CORPUS / "README.md").read_text("utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`") and cells[0].endswith(".docx`"):
            found[cells[0].strip("`")] = cells[1]
    return found


@pytest.fixture(scope="module")
def corpus_repo(tmp_path_factory):
    return make_alliance(tmp_path_factory.mktemp("corpus") / "alliance", templates=False)


_ORDERED_ITEM = re.compile(r"^\d{1,9}(?=[.)]\s)")


def notation(body: str) -> list[str]:
    """The body's blocks with footnote labels numbered by first use, and every ordered-list number
    but a list's first blanked (see the module docstring)."""
    from accord.review.extract import footnote_order, relabel
    from accord.blockrules import source_blocks

    blocks = source_blocks(body)
    blocks = relabel(blocks, {label: str(number) for number, label in enumerate(footnote_order(blocks), 1)})
    texts = []
    for index, block in enumerate(blocks):
        text = block.text
        if _ORDERED_ITEM.match(text) and _continues_a_list(blocks, index):
            text = _ORDERED_ITEM.sub("#", text)
        texts.append(text)
    return texts


def _continues_a_list(blocks, index: int) -> bool:
    """Whether an ordered item follows an ordered item of its own list (same indent, only deeper
    blocks between)."""
    indent = len(blocks[index].indent)
    for before in reversed(blocks[:index]):
        if len(before.indent) > indent:
            continue
        return len(before.indent) == indent and bool(_ORDERED_ITEM.match(before.text))
    return False


def statement_text(statement_id: str, body: str) -> str:
    return (f"---\nid: {statement_id}\ntitle: Corpus file {statement_id}\nkind: joint-statement\nstatus: draft\n"
            f"date: 2026-01-01\n---\n\n{body.strip()}\n")


def test_the_corpus_has_a_source_and_licence_for_every_file():
    listed = sources()
    assert sorted(listed) == sorted(path.name for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_a_real_word_file_imports_exactly_or_lists_what_it_did_not_carry(corpus_repo, path):
    from accord.ooxml.reading import accepted_package, open_docx
    from accord.repo import Repo
    from accord.review import import_review
    from accord.statement import split_front_matter

    from accord.review.extract import read_markdown

    package = open_docx(path)
    _, base_body = read_markdown(accepted_package(package, reject=True))
    _, accepted_body = read_markdown(accepted_package(package))
    # pandoc's `<!-- -->` between two lists is its own mark, no text: a statement would not hold it.
    base_body, accepted_body = (text.replace("\n<!-- -->\n", "\n") for text in (base_body, accepted_body))
    statement_id = "corpus-" + re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:40]
    relpath = f"statements/{statement_id}/statement.md"
    write(corpus_repo / relpath, statement_text(statement_id, base_body))
    git(corpus_repo, "add", "-A")
    git(corpus_repo, "commit", "-qm", f"Base of {path.name}")
    git(corpus_repo, "checkout", "-q", "main")
    result = import_review(Repo(corpus_repo), statement_id, path, partner="unicef", base="HEAD", again=True)
    base_blocks, accepted_blocks = notation(base_body), notation(accepted_body)
    if result.branch is None:
        branch_blocks = base_blocks
    else:
        branch_blocks = notation(split_front_matter(git(corpus_repo, "show", f"{result.branch}:{relpath}"))[1])
    if branch_blocks == accepted_blocks:
        verdict = "exact"
    else:
        invented = [block for block in branch_blocks if block not in accepted_blocks and block not in base_blocks]
        assert result.outside and not invented, (
            f"{path.name}: neither exact nor listed; blocks in neither reading: {invented[:3]}")
        verdict = f"listed-and-untouched ({len(result.outside)} listed)"
    changes = "no tracked changes" if base_blocks == accepted_blocks else f"{result.edits} blocks edited"
    RESULTS.append((path.name, sources().get(path.name, "?"), f"{verdict}; {changes}, "
                                                              f"{len(result.comments)} comments"))


def teardown_module(module):
    if not RESULTS:
        return
    table = ["| file | source | result |", "| --- | --- | --- |"]
    table += [f"| `{name}` | {source} | {verdict} |" for name, source, verdict in RESULTS]
    text = "\n".join(table) + "\n"
    print("\n\nReal Word files imported:\n" + text)
    out = ROOT / "build" / "real-docx-results.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
