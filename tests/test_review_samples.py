"""The Word round trip on every sample statement: send, edit as Word does, import; nothing lost or misplaced."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import ROOT, git, run
from helpers.alliance import borrow_font_objects
from helpers.word import WordEdits

SAMPLES = sorted(path.name for path in (ROOT / "statements").iterdir() if (path / "statement.md").exists())


@pytest.fixture(scope="module")
def samples_repo(tmp_path_factory):
    """A committed copy of the project's sample content (statements, partners, settings, templates)."""
    root = tmp_path_factory.mktemp("samples") / "alliance"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    borrow_font_objects(root)  # the fonts' blobs are there already: `git add` does not compress them again
    for name in ("statements", "partners", "templates"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("reviews", "build"))
    shutil.copy(ROOT / "accord.yaml", root / "accord.yaml")
    for statement in root.glob("statements/*/statement.md"):  # a published text takes no review packets:
        text = statement.read_text("utf-8")                      # try its round trip reopened as final
        statement.write_text(text.replace("\nstatus: published\n", "\nstatus: final\n"), "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Samples")
    return root


def unique_phrases(text: str, count: int) -> list[str]:
    """Three-word phrases of plain words that occur once in the text, spread over it."""
    words = re.findall(r"[A-Za-z]+(?: [A-Za-z]+){2}", text)
    unique = [phrase for phrase in dict.fromkeys(words) if text.count(phrase) == 1]
    step = max(1, len(unique) // (count + 1))
    return unique[step::step][:count]


def body_without_paragraph_numbers(blocks):
    # Numbered paragraphs are numbered by the build; an inserted paragraph shifts the numbers after it.
    # The signatory block is the ledger's, not the text's: the partner's edits make it stale.
    texts = [re.sub(r"^\d+\\\. ", "", block.text) for block in blocks]
    ends = [index for index, text in enumerate(texts) if "Endorsed by" in text]
    return texts[:ends[0]] if ends else texts


@pytest.mark.parametrize("statement_id", SAMPLES)
def test_send_edit_import_gives_the_partners_version_of_each_sample(samples_repo, tmp_path, statement_id):
    from accord.ooxml.reading import accepted_package, open_docx_bytes
    from accord.repo import Repo
    from accord.review.extract import read_version
    from accord.review.packet import official_docx
    from accord.statement import statement_from_bytes

    repo = samples_repo
    result = run("review", "send", statement_id, "--partner", "unicef", "-o", str(tmp_path / "packet.docx"),
                 "--repo", str(repo))
    assert result.code == 0, result.err
    packet = (tmp_path / "packet.docx").read_bytes()
    plain = "\n".join(body_without_paragraph_numbers(read_version(accepted_package(open_docx_bytes(packet, "p"))).blocks))
    first, second, third, fourth = unique_phrases(plain, 4)

    untouched = tmp_path / "untouched.docx"
    untouched.write_bytes(packet)
    result = run("review", "import", statement_id, str(untouched), "--repo", str(repo))
    assert (result.code, result.out) == (0, f"{untouched}: no changes and no comments; nothing to import\n")

    returned = (WordEdits(packet)
                .replace(first, "words the partner chose")
                .insert_paragraph_after(second, "A paragraph the partner added.")
                .delete(third)
                .comment(fourth, "Please explain.", replies=(("Ann Lee", "Explained in the cover note."),))
                .save())
    path = tmp_path / "returned.docx"
    path.write_bytes(returned)
    result = run("review", "import", statement_id, str(path), "--repo", str(repo))
    assert result.code == 0, result.err
    assert "  conflicts: 0\n  comments: 2 " in result.out
    branch = f"review/unicef/{statement_id}"
    assert branch in git(repo, "branch", "--list", branch)

    relpath = f"statements/{statement_id}/statement.md"
    merged = statement_from_bytes(git(repo, "show", f"{branch}:{relpath}").encode(), relpath)
    rebuilt = read_version(accepted_package(open_docx_bytes(official_docx(Repo(repo), merged), "rebuilt")))
    partner = read_version(accepted_package(open_docx_bytes(returned, "returned")))
    assert rebuilt.title == partner.title
    assert body_without_paragraph_numbers(rebuilt.blocks) == body_without_paragraph_numbers(partner.blocks)
    original = (repo / relpath).read_text("utf-8")
    changed = [line for line in git(repo, "diff", "--unified=0", "main", branch, "--", relpath).splitlines()
               if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert len(changed) <= 12, "only the lines around the edits change"
    assert git(repo, "status", "--porcelain", "--", relpath) == "" and (repo / relpath).read_text("utf-8") == original
