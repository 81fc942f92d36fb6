"""Paragraph labels: one numbering (`10`, `10(f)`) in every output, in reservations and in diffs."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, git, make_alliance, run, write

S = "statements/child-protection/statement.md"
NUMBERED = "language: en\nnumbered-paragraphs: true"


def sample(statement_id: str):
    from accord.repo import Repo

    return Repo(ROOT).load_statement(statement_id)


def labels_of(body: str, numbered: bool = True) -> list[str]:
    from accord.labels import body_labels

    return body_labels(body, numbered).labels


def full_labels(markers: list[str]) -> list[str]:
    """Markers as outputs print them (`10.`, `(f)`) as labels (`10`, `10(f)`)."""
    out, paragraph = [], ""
    for marker in markers:
        if marker.endswith("."):
            paragraph = marker[:-1]
            out.append(paragraph)
        else:
            out.append(paragraph + marker)
    return out


def numbered_repo(tmp_path: Path, templates: bool = False) -> Path:
    root = make_alliance(tmp_path / "alliance", templates=templates)
    path = root / S
    path.write_text(path.read_text("utf-8").replace("language: en", NUMBERED), "utf-8")
    git(root, "commit", "-qam", "Number the paragraphs")
    return root


def endorse(root: Path, partner: str, *reservations: str):
    args = [arg for text in reservations for arg in ("--reservation", text)]
    return run("endorse", "child-protection", partner, "--position", "endorse-with-reservations",
               "--signatory", f"Signer of {partner.upper()}, Director", "--recorded-by", "Secretariat", *args, "--repo", str(root))


# -- the model ------------------------------------------------------------------------------

def test_paragraphs_are_numbered_across_headings_and_list_items_are_lettered_under_them():
    from accord.labels import statement_labels

    labels = statement_labels(sample("2026-labour-exploitation"))
    assert labels.describe() == "1-13, 9(a)-9(e), 10(a)-10(n)"
    assert labels.unit("9").text == "The partners affirm that:"
    assert labels.unit("10(f)").text.startswith("6. Separate labour inspection from immigration enforcement")
    assert labels.unit("10(n)").text.startswith("14. Support workers' organizations")


def test_without_numbered_paragraphs_numbered_list_items_run_on_across_headings():
    from accord.labels import statement_labels

    labels = statement_labels(sample("2005-eu-plan-recommendations"))
    assert labels.labels == [str(n) for n in range(1, 19)]
    assert labels.unit("5").text.startswith("5. Every Member State should establish a national referral")


def test_rewrapping_and_changing_words_never_renumber():
    body = "## A\n\nFirst paragraph.\n\n- one\n- two\n\n## B\n\nSecond paragraph.\n"
    rewrapped = "## A\n\nFirst\n   paragraph, reworded.\n\n-   one,\n    changed\n- two\n\n## B\n\nSecond  paragraph.\n"
    assert labels_of(body) == labels_of(rewrapped) == ["1", "1(a)", "1(b)", "2"]


def test_inserting_a_paragraph_renumbers_what_follows_and_the_old_labels_map_to_the_new():
    from accord.labels import body_labels, label_map
    from accord.blockrules import markdown_blocks

    old = "Alpha.\n\nBeta.\n\n- one\n- two\n\nGamma.\n"
    new = "Alpha.\n\nInserted.\n\nBeta.\n\n- one\n\nGamma.\n"
    assert labels_of(new) == ["1", "2", "3", "3(a)", "4"]
    mapping = label_map(body_labels(old, True), markdown_blocks(old), body_labels(new, True), markdown_blocks(new))
    assert mapping == {"1": "1", "2": "3", "2(a)": "3(a)", "2(b)": None, "3": "4"}


def test_continuation_paragraphs_nested_lists_quotes_and_tables_are_not_units():
    body = ("Lead.\n\n1. Item one\n\n   more of item one\n\n   - nested\n2. Item two\n\n> A quote.\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n![figure](x.png)\n\n---\n\nLast.\n\n[^1]: A note.\n\n    Its second paragraph.\n")
    from accord.labels import body_labels
    from accord.blockrules import markdown_blocks

    labels = body_labels(body, True)
    assert labels.labels == ["1", "1(a)", "1(b)", "2"]
    blocks = markdown_blocks(body)
    assert labels.label_for_block(blocks.index("more of item one")) == "1(a)"
    assert labels.label_for_block(blocks.index("- nested")) == "1(a)"


def test_letters_after_z_double_as_word_letters_a_list():
    from accord.labels import letters

    assert [letters(n) for n in (1, 26, 27, 28, 53)] == ["a", "z", "aa", "bb", "aaa"]


# -- every output shows the same labels ----------------------------------------------------

SAMPLES = sorted(path.name for path in (ROOT / "statements").iterdir() if (path / "statement.md").exists())


@pytest.fixture(scope="module")
def samples_built(tmp_path_factory):
    """The sample alliance, committed in a temporary repository, built, with its site and HTML redlines."""
    root = tmp_path_factory.mktemp("labels") / "alliance"
    # a clone, not a copy: the sample records name the commits of their texts, and a record made before
    # the publishing fields were hashed binds only while those fields are as they were at its commit
    subprocess.run(["git", "clone", "-q", str(ROOT), str(root)], check=True)
    # one job: a process pool forked after earlier tests' threads can hang the in-process CLI
    result = run("build", "--jobs", "1", "--repo", str(root))
    assert result.code == 0, result.err
    assert run("site", "-o", str(root / "site"), "--repo", str(root)).code == 0
    for statement_id in SAMPLES:
        result = run("diff", statement_id, "--from", "HEAD", "--format", "html",
                     "-o", str(root / f"{statement_id}-redline.html"), "--repo", str(root))
        assert result.code == 0, result.err
    return root


def html_labels(html: str) -> list[str]:
    return full_labels(re.findall(r'<span class="label">([^<]+)</span>', html))


def pdf_labels(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return full_labels(re.findall(r"^ *(\d+\.|\([a-z]+\)) ", text, re.M))


def docx_labels(path: Path) -> list[str]:
    from lxml import etree

    from accord.ooxml.numbering import resolved_numbers

    with zipfile.ZipFile(path) as package:
        document = etree.fromstring(package.read("word/document.xml"))
        numbering = etree.fromstring(package.read("word/numbering.xml"))
    return full_labels([number for number, _text in resolved_numbers(document, numbering)])


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("statement_id", SAMPLES)
def test_the_pdf_docx_html_site_and_redline_show_the_same_labels(samples_built, statement_id):
    from accord.labels import statement_labels

    expected = statement_labels(sample(statement_id)).labels
    assert expected, "every sample has labelled units"
    build = samples_built / "build" / statement_id
    assert pdf_labels(build / f"{statement_id}.pdf") == expected
    assert docx_labels(build / f"{statement_id}.docx") == expected
    assert html_labels((build / f"{statement_id}.html").read_text("utf-8")) == expected
    assert html_labels((samples_built / "site" / "statements" / f"{statement_id}.html").read_text("utf-8")) == expected
    assert html_labels((samples_built / f"{statement_id}-redline.html").read_text("utf-8")) == expected


def test_the_docx_numbers_are_word_numbering_not_typed_text(samples_built):
    from docx import Document

    docx = samples_built / "build" / "2026-labour-exploitation" / "2026-labour-exploitation.docx"
    texts = [p.text for p in Document(docx).paragraphs]
    assert "The partners affirm that:" in texts, "the number is not part of the paragraph's text"
    assert not any(re.match(r"\d+\.\t|\([a-z]+\)\t", text) for text in texts)
    with zipfile.ZipFile(docx) as package:
        numbering = package.read("word/numbering.xml").decode()
    assert '<w:name w:val="accord paragraph labels"/>' in numbering and 'w:val="lowerLetter"' in numbering


def test_a_returned_packet_reads_back_as_paragraphs_not_as_list_items(samples_built):
    from accord.review.extract import read_version

    docx = samples_built / "build" / "2026-labour-exploitation" / "2026-labour-exploitation.docx"
    texts = [block.text for block in read_version(docx.read_bytes()).blocks]
    assert "The partners affirm that:" in texts
    assert any(text.startswith("6. Separate labour inspection") for text in texts)


# -- reservations ---------------------------------------------------------------------------

def test_the_sample_reservations_point_at_the_paragraphs_they_talk_about():
    from accord.labels import statement_labels
    from accord.ledger import load_record

    expected = {("2026-labour-exploitation", "lastrada"): ("10(f)", "immigration enforcement"),
                ("2010-child-protection", "iom"): ("11(e)", "detention")}
    found = {}
    for path in sorted((ROOT / "statements").glob("*/endorsements/*.yaml")):
        record = load_record(path, str(path))
        for reservation in record.reservations:
            if reservation.paragraph is None:
                continue
            statement = sample(record.statement)
            # a record made on the title-and-body hash binds while the publishing fields are unchanged
            assert record.text_sha256 in (statement.text_sha256, statement.title_and_body_sha256)
            unit = statement_labels(statement).unit(reservation.paragraph)
            assert unit is not None, f"{path.name}: no paragraph {reservation.paragraph}"
            found[(record.statement, record.partner)] = (reservation.paragraph, unit.text)
    assert set(found) == set(expected)
    for key, (label, words) in expected.items():
        assert found[key][0] == label and words in found[key][1]


def test_endorse_refuses_a_label_the_text_does_not_have_and_lists_the_valid_ones(tmp_path):
    root = numbered_repo(tmp_path)
    result = endorse(root, "iom", "1(c): On a third item.")
    assert (result.code, result.out, result.err) == (
        2, "", "Error: reservation on paragraph 1(c): the text has no paragraph 1(c) (paragraphs are 1, 1(a)-1(b))\n")
    result = endorse(root, "iom", "99: Far away.")
    assert result.err == "Error: reservation on paragraph 99: the text has no paragraph 99 (paragraphs are 1, 1(a)-1(b))\n"
    assert not (root / "statements/child-protection/endorsements/iom.yaml").exists()


def test_a_reservation_on_a_label_is_stored_as_the_label_and_printed_so_in_the_pdf(tmp_path):
    root = numbered_repo(tmp_path, templates=True)
    result = endorse(root, "iom", "1 (B): Age assessment is a matter for national law.")
    assert result.code == 0, result.err
    record = (root / "statements/child-protection/endorsements/iom.yaml").read_text("utf-8")
    assert "reservations:\n- paragraph: 1(b)\n  text: Age assessment is a matter for national law.\n" in record
    assert run("build", "--format", "pdf", "--repo", str(root)).code == 0
    text = subprocess.run(["pdftotext", str(root / "build/child-protection/child-protection.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    assert "Reservation on paragraph 1(b): Age assessment is a matter for national law." in " ".join(text.split())


def test_check_reports_a_reservation_on_a_label_the_endorsed_text_lacks_and_notes_plain_numbers(tmp_path):
    from accord.repo import Repo

    root = numbered_repo(tmp_path)
    text_hash = Repo(root).load_statement("child-protection").text_sha256
    record = ("statement: child-protection\npartner: {partner}\nposition: endorse-with-reservations\n"
              f"text_sha256: {text_hash}\nsignatory: A. Signer\nrecorded_at: 2026-11-28\n"
              "reservations:\n- paragraph: {paragraph}\n  text: A reservation.\n")
    write(root / "statements/child-protection/endorsements/iom.yaml", record.format(partner="iom", paragraph="5(c)"))
    write(root / "statements/child-protection/endorsements/unodc.yaml", record.format(partner="unodc", paragraph="1"))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Records")
    result = run("check", "--repo", str(root))
    assert result.code == 1
    assert result.out.splitlines() == [
        "statements/child-protection/endorsements/iom.yaml:8: reservation on paragraph 5(c): the text has no "
        "paragraph 5(c) (paragraphs are 1, 1(a)-1(b))",
        "statements/child-protection/endorsements/unodc.yaml:8: note: reservation on paragraph 1 is a plain number "
        "from before paragraph labels; it is read as paragraph 1 (\"Children on the move face risks ...\")",
    ]


def test_a_hostile_label_in_a_record_is_refused_by_check(tmp_path):
    from accord.repo import Repo

    root = numbered_repo(tmp_path)
    text_hash = Repo(root).load_statement("child-protection").text_sha256
    write(root / "statements/child-protection/endorsements/iom.yaml",
          "statement: child-protection\npartner: iom\nposition: endorse-with-reservations\n"
          f"text_sha256: {text_hash}\nsignatory: A. Signer\nrecorded_at: 2026-11-28\n"
          "reservations:\n- paragraph: '1\"); #read(\"/etc/passwd\")'\n  text: x\n")
    result = run("check", "--repo", str(root))
    assert result.code == 1
    assert "iom.yaml:8: 'paragraph' must be a paragraph label such as 10 or 10(f), found " in result.out


def test_status_flags_a_reservation_whose_paragraph_moved_since_the_record(tmp_path):
    root = numbered_repo(tmp_path)
    assert endorse(root, "iom", "1(b): Age assessment is a matter for national law.").code == 0
    path = root / S
    path.write_text(path.read_text("utf-8").replace("## Preamble\n", "## Preamble\n\nA new first paragraph.\n"),
                    "utf-8")
    result = run("status", "child-protection", "--repo", str(root))
    assert ("reservation on paragraph 1(b): Age assessment is a matter for national law. "
            "[now paragraph 2(b): it moved since the record was made]") in result.out


def test_diff_says_which_paragraphs_were_renumbered(tmp_path):
    root = numbered_repo(tmp_path)
    path = root / S
    path.write_text(path.read_text("utf-8").replace("## Preamble\n", "## Preamble\n\nA new first paragraph.\n"),
                    "utf-8")
    result = run("diff", "child-protection", "--from", "HEAD", "--repo", str(root))
    assert result.out.splitlines()[3] == "Renumbered: paragraph 1 is now 2"
    html = root / "redline.html"
    assert run("diff", "child-protection", "--from", "HEAD", "-o", str(html), "--repo", str(root)).code == 0
    page = html.read_text("utf-8")
    assert re.findall(r'<span class="label">([^<]+)</span>', page) == ["1.", "2.", "(a)", "(b)"]
    assert '<span class="label-was">was 1</span>' in page
    assert '<p class="renumbered">Renumbered: paragraph 1 is now 2</p>' in page


# -- status and site agree with the ledger ---------------------------------------------------

def test_the_site_page_of_a_released_statement_agrees_with_the_ledger(samples_built):
    page = (samples_built / "site" / "statements" / "2005-eu-plan-recommendations.html").read_text("utf-8")
    assert "Not released yet" not in page and "invited, no response yet" not in page
    assert "<dt>Latest release</dt><dd>v1</dd>" in page
    assert "<dt>Ledger</dt><dd>published as v1 on 2005-03-14</dd>" in page
    assert "<dt>Endorsements</dt><dd><span>8 endorsements of 11 invited</span></dd>" in page
    assert "Released as v1 on 2005-03-14; released before accord kept releases" in page


def test_the_site_counts_say_what_they_count_and_columns_follow_partners_order(samples_built):
    index = (samples_built / "site" / "index.html").read_text("utf-8")
    assert "<span class=\"met\">6 endorsements and 1 no-objection of 12 invited</span> (threshold 5)" in index
    columns = re.findall(r'<th scope="col" class="partner"><a href="partners/([a-z]+)\.html"', index)
    order = ["unodc", "unhcr", "unicef", "iom", "ilo", "ohchr", "coe", "icmpd", "europol", "lastrada", "antislavery",
             "ecpat", "tdh"]
    assert columns[:len(order)] == order


def test_a_reservation_on_the_site_links_to_its_paragraph(samples_built):
    page = (samples_built / "site" / "statements" / "2026-labour-exploitation.html").read_text("utf-8")
    link = re.search(r'<a href="\.\./statements/2026-labour-exploitation\.html#(text-para-[0-9a-z]+)">¶ ([^<]+)</a>', page)
    assert link and f'id="{link.group(1)}"' in page


def test_labels_sort_as_the_text_runs_for_a_compilation_of_amendments():
    from accord.labels import sort_key

    assert sorted(["10", "9(aa)", "9(b)", "2", "9", "9(z)", "10(a)"], key=sort_key) == [
        "2", "9", "9(b)", "9(z)", "9(aa)", "10", "10(a)"]


def test_a_text_pandoc_reads_differently_is_refused_rather_than_misnumbered(tmp_path):
    root = numbered_repo(tmp_path, templates=True)
    path = root / S
    path.write_text(path.read_text("utf-8").replace("## Recommendations\n", "::: note\n\nIn a div.\n\n:::\n\n"
                                                                            "## Recommendations\n"), "utf-8")
    result = run("build", "--format", "pdf", "--repo", str(root))
    assert result.code == 2
    assert result.err.startswith("Error: statements/child-protection/statement.md: pandoc (Typst): cannot number "
                                 "the text: pandoc reads 3 labelled units, accord's numbering 4")
    assert not (root / "build/child-protection/child-protection.pdf").exists()


def test_the_docx_redline_numbers_the_newer_text_with_word_numbering_and_comments_an_older_label(tmp_path):
    root = numbered_repo(tmp_path)
    path = root / S
    path.write_text(path.read_text("utf-8").replace("## Preamble\n", "## Preamble\n\nA new first paragraph.\n"),
                    "utf-8")
    redline = root / "redline.docx"
    result = run("diff", "child-protection", "--from", "HEAD", "-o", str(redline), "--repo", str(root))
    assert result.code == 0, result.err
    assert docx_labels(redline) == ["1", "2", "2(a)", "2(b)"]
    with zipfile.ZipFile(redline) as package:
        comments = package.read("word/comments.xml").decode()
    assert "was paragraph 1" in comments
