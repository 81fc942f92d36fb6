"""`accord build`: official DOCX, PDF and HTML, checked on the built files themselves."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from conftest import STATEMENT, git, make_alliance, run, write

S = "statements/child-protection"
TITLE = "Joint Statement on the Protection of Children"
# Enough text for three A4 pages, so that page 2 has the running header and "Page 2 of 3".
LONG_BODY = "\n## Annex\n\n" + "\n\n".join(
    f"Paragraph {n} of the annex. " + "The partners recall their shared duty to protect children on the move. " * 9
    for n in range(1, 13)) + "\n"


def make_repo(root: Path, status: str = "draft", body_extra: str = "") -> Path:
    """The same repository as conftest's `repo` fixture, for module-scoped builds."""
    make_alliance(root, status=status, signers=False, gitignore="/build/\n", body_extra=body_extra)
    return root


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def build(repo: Path, *args: str):
    return run("build", *args, "--repo", str(repo))


def outputs(repo: Path, statement_id: str = "child-protection", out: Path | None = None) -> dict[str, Path]:
    folder = (out or repo / "build") / statement_id
    return {fmt: folder / f"{statement_id}.{fmt}" for fmt in ("docx", "pdf", "html")}


def built_line(statement_id: str, formats=("docx", "pdf", "html")) -> str:
    return f"built {statement_id}: " + ", ".join(f"build/{statement_id}/{statement_id}.{f}" for f in formats) + "\n"


def docx_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(name).decode("utf-8")


def custom_properties(path: Path) -> dict[str, str]:
    xml = docx_part(path, "docProps/custom.xml")
    return dict(re.findall(r'name="([^"]+)"><vt:lpwstr>([^<]*)</vt:lpwstr>', xml))


def header_cells(section) -> list[str]:
    return [cell.text for cell in section.header.tables[0].rows[0].cells]


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


# -- one long draft, built once for the tests that only read it ----------------------------

@pytest.fixture(scope="module")
def draft(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("draft") / "alliance", body_extra=LONG_BODY)
    result = build(repo)
    assert (result.code, result.err) == (0, ""), result.err
    assert result.out == built_line("child-protection")
    head = git(repo, "rev-parse", "HEAD").strip()
    text_sha256 = _text_hash(repo)
    return repo, outputs(repo), head, text_sha256


def _text_hash(repo: Path) -> str:
    from accord.repo import Repo

    return Repo(repo).load_statement("child-protection").text_sha256


def test_the_footer_carries_page_x_of_y_and_the_provenance_line_in_docx(draft):
    repo, files, head, text_sha256 = draft
    doc = Document(files["docx"])
    section = doc.sections[0]
    provenance = f"draft · commit {head[:7]} · text {text_sha256[:8]}"
    for footer in (section.footer, section.first_page_footer):
        xml = footer._element.xml
        assert footer.paragraphs[0].text == f"{provenance}\tPage  of "  # the numbers are fields
        assert re.findall(r'w:instr=" (\w+) ', xml) == ["PAGE", "NUMPAGES"]


def test_the_header_from_page_two_has_symbol_status_and_short_title_in_docx(draft):
    repo, files, head, text_sha256 = draft
    section = Document(files["docx"]).sections[0]
    assert section.different_first_page_header_footer
    assert header_cells(section) == ["AECT/JS/2010/1", "draft", TITLE]
    assert section.first_page_header.paragraphs[0].text == ""


def test_pdf_and_docx_agree_on_header_and_footer(draft):
    repo, files, head, text_sha256 = draft
    pages = pdf_pages(files["pdf"])
    assert len(pages) == 3
    provenance = f"draft · commit {head[:7]} · text {text_sha256[:8]}"
    for number, text in enumerate(pages, 1):
        assert f"{provenance} Page {number} of 3" in text
    header = f"AECT/JS/2010/1 DRAFT {TITLE}"
    assert header in pages[1] and header in pages[2]
    assert header not in pages[0]


def test_a_draft_carries_a_diagonal_draft_watermark_on_every_page(draft):
    repo, files, head, text_sha256 = draft
    section = Document(files["docx"]).sections[0]
    for header in (section.first_page_header, section.header):
        assert 'string="DRAFT"' in header._element.xml and "rotation:315" in header._element.xml
    assert all(text.startswith("DRAFT\n") for text in pdf_pages(files["pdf"]))


def test_docx_custom_properties_carry_the_provenance(draft):
    repo, files, head, text_sha256 = draft
    assert custom_properties(files["docx"]) == {
        "accord.statement": "child-protection", "accord.version": "draft",
        "accord.commit": head, "accord.text_sha256": text_sha256}
    core = Document(files["docx"]).core_properties
    assert (core.title, core.author) == (TITLE, "Test Team, Test Alliance")
    assert f"accord.commit={head}" in core.keywords


def test_pdf_metadata_carries_title_author_subject_and_keywords(draft):
    repo, files, head, text_sha256 = draft
    meta = PdfReader(files["pdf"]).metadata
    assert meta.title == TITLE
    assert meta.author == "Test Team, Test Alliance"
    assert meta.subject == (f"Joint Statement AECT/JS/2010/1 (child-protection), draft · commit {head[:7]} · "
                            f"text {text_sha256[:8]}, text sha256 {text_sha256}")
    assert meta["/Keywords"] == (f"accord.statement=child-protection, accord.version=draft, "
                                 f"accord.commit={head}, accord.text_sha256={text_sha256}")


def test_pdf_uses_only_the_bundled_fonts(draft):
    repo, files, head, text_sha256 = draft
    fonts = set()
    for page in PdfReader(files["pdf"]).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(re.sub(r"^/([A-Z]{6}\+)?", "", font.get_object()["/BaseFont"]))
    assert fonts and all(name.startswith(("NotoSerif", "NotoSans")) for name in fonts), fonts


def test_html_carries_provenance_meta_tags(draft):
    repo, files, head, text_sha256 = draft
    html = files["html"].read_text("utf-8")
    for name, value in {"accord.statement": "child-protection", "accord.version": "draft",
                        "accord.commit": head, "accord.text_sha256": text_sha256}.items():
        assert f'<meta name="{name}" content="{value}" />' in html
    assert '<meta name="author" content="Test Team, Test Alliance" />' in html
    assert "No endorsements recorded" in html


def test_without_endorsements_every_format_says_so(draft):
    repo, files, head, text_sha256 = draft
    docx_text = [p.text for p in Document(files["docx"]).paragraphs]
    assert docx_text[-2:] == ["Endorsed by", "No endorsements recorded"]
    assert "Endorsed by\nNo endorsements recorded" in pdf_pages(files["pdf"])[-1]


def test_an_unchanged_statement_is_not_rebuilt(draft):
    repo, files, head, text_sha256 = draft
    before = {fmt: path.stat().st_mtime_ns for fmt, path in files.items()}
    result = build(repo)
    assert (result.code, result.out, result.err) == (0, "unchanged child-protection\n", "")
    assert {fmt: path.stat().st_mtime_ns for fmt, path in files.items()} == before


# -- final texts, signatories, dirty trees -------------------------------------------------

def test_a_final_text_has_no_draft_mark_and_no_status_in_the_header(repo):
    write(repo / S / "statement.md", STATEMENT.format(id="child-protection", status="final") + LONG_BODY)
    commit(repo, "Final text")
    assert build(repo, "--format", "docx,pdf").code == 0
    files = outputs(repo)
    section = Document(files["docx"]).sections[0]
    for header in (section.first_page_header, section.header):
        assert "DRAFT" not in header._element.xml and "<w:pict" not in header._element.xml
    assert header_cells(section) == ["AECT/JS/2010/1", "", TITLE]
    pages = pdf_pages(files["pdf"])
    assert not any("DRAFT" in text for text in pages)
    assert f"AECT/JS/2010/1 {TITLE}" in pages[1]
    assert re.search(r"^unversioned · commit [0-9a-f]{7} · text [0-9a-f]{8} Page 1 of 3$", pages[0], re.M)
    assert custom_properties(files["docx"])["accord.version"] == "unversioned"


def test_a_released_text_names_its_version(repo):
    text = STATEMENT.format(id="child-protection", status="published").replace(
        "language: en", "language: en\nversion: 2\npublished: 2010-11-01")
    write(repo / S / "statement.md", text)
    commit(repo, "Release")
    assert build(repo, "--format", "docx,pdf").code == 0
    files = outputs(repo)
    assert custom_properties(files["docx"])["accord.version"] == "2"
    assert Document(files["docx"]).sections[0].footer.paragraphs[0].text.startswith("version 2 · commit ")
    assert re.search(r"^version 2 · commit [0-9a-f]{7} · text [0-9a-f]{8} Page 1 of 1$", pdf_pages(files["pdf"])[0],
                     re.M)


RECORD = """\
statement: child-protection
partner: {partner}
position: {position}
text_sha256: {hash}
signatory: Signer of {partner}, Director
recorded_at: 2026-11-28
{extra}"""


def test_the_signatory_block_comes_from_the_ledger_with_positions_and_reservations_marked(repo):
    text_sha256 = _text_hash(repo)
    write(repo / S / "endorsements/unicef.yaml", RECORD.format(partner="unicef", position="endorse",
                                                               hash=text_sha256, extra=""))
    write(repo / S / "endorsements/iom.yaml", RECORD.format(
        partner="iom", position="endorse-with-reservations", hash=text_sha256,
        extra="reservations:\n  - paragraph: 2\n    text: Age assessment is a matter for national law.\n"))
    write(repo / S / "endorsements/ecpat.yaml", RECORD.format(partner="ecpat", position="object",
                                                              hash=text_sha256, extra=""))
    write(repo / S / "endorsements/unodc.yaml", RECORD.format(partner="unodc", position="endorse",
                                                              hash="a" * 64, extra=""))  # stale: not listed
    commit(repo, "Endorsements")
    assert build(repo, "--format", "docx,pdf").code == 0
    files = outputs(repo)
    paragraphs = [p.text for p in Document(files["docx"]).paragraphs]
    block = paragraphs[paragraphs.index("Endorsed by") + 1:]
    assert block == [
        "International Organization for Migration (with reservations)\nSigner of iom, Director",
        "Reservation on paragraph 2: Age assessment is a matter for national law.",
        "United Nations Children's Fund\nSigner of unicef, Director",
    ]
    text = pdf_pages(files["pdf"])[-1]
    assert "International Organization for Migration (with reservations)" in text
    assert "Reservation on paragraph 2: Age assessment is a matter for national law." in text
    assert "ECPAT" not in text and "Drugs and Crime" not in text


def test_a_build_from_uncommitted_changes_says_so_in_the_footer(repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    path = repo / S / "statement.md"
    path.write_text(path.read_text("utf-8").replace("last resort", "measure of last resort"), "utf-8")
    assert build(repo, "--format", "docx,pdf").code == 0
    files = outputs(repo)
    footer = Document(files["docx"]).sections[0].footer.paragraphs[0].text
    assert footer.startswith(f"draft · commit {head[:7]} · text ") and "· uncommitted changes\tPage" in footer
    assert custom_properties(files["docx"])["accord.commit"] == f"{head}+uncommitted"
    assert "uncommitted changes Page 1 of 1" in pdf_pages(files["pdf"])[0]
    commit(repo, "Reword")
    result = build(repo, "--format", "docx")
    assert result.out == built_line("child-protection", ("docx",))
    assert "uncommitted" not in Document(files["docx"]).sections[0].footer.paragraphs[0].text


def test_numbered_paragraphs_run_across_headings_in_docx_and_pdf(repo):
    from accord.ooxml.numbering import resolved_numbers

    text = STATEMENT.format(id="child-protection", status="draft").replace(
        "language: en", "language: en\nnumbered-paragraphs: true")
    write(repo / S / "statement.md", text + "\n## Follow-up\n\nThe partners will meet again.\n\n> A quote.\n")
    commit(repo, "Number paragraphs")
    assert build(repo, "--format", "docx,pdf").code == 0
    files = outputs(repo)
    docx = Document(files["docx"])
    numbered = resolved_numbers(docx.element.body, docx.part.numbering_part.element)
    assert numbered == [("1.", "Children on the move face risks of trafficking at every stage of their journey, "
                               "and the partners of the alliance share a duty to protect them."),
                        ("(a)", "States should appoint a guardian for every unaccompanied child without delay."),
                        ("(b)", "Age assessment should be a last resort."),
                        ("2.", "The partners will meet again.")]
    assert not any(re.match(r"\d+\.\t", p.text) for p in docx.paragraphs), "numbers are Word's, not typed"
    pdf = pdf_pages(files["pdf"])[0]
    assert re.search(r"^1\.\s*Children on the move", pdf, re.M) and re.search(r"^2\.\s*The partners will", pdf, re.M)
    assert not re.search(r"^3\.", pdf, re.M)


# -- reproducible ----------------------------------------------------------------------------

def test_the_same_commit_builds_byte_identical_documents_anywhere(repo, tmp_path):
    assert build(repo).code == 0
    first = {fmt: path.read_bytes() for fmt, path in outputs(repo).items()}
    assert build(repo, "--force").code == 0
    assert {fmt: path.read_bytes() for fmt, path in outputs(repo).items()} == first
    clone = tmp_path / "elsewhere"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    assert build(clone).code == 0
    assert {fmt: path.read_bytes() for fmt, path in outputs(clone).items()} == first


# -- untrusted input stays inside -------------------------------------------------------------

def _with_image(repo: Path, markdown: str) -> None:
    path = repo / S / "statement.md"
    path.write_text(path.read_text("utf-8") + f"\n{markdown}\n", "utf-8")


def test_an_image_in_the_statement_folder_is_embedded_in_every_format(repo):
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
           b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
           b"\x00\x00\x00\x00IEND\xaeB`\x82")
    write(repo / S / "images" / "map.png", png)
    _with_image(repo, "![Map of routes](./images/map.png)")
    result = build(repo)
    assert (result.code, result.err) == (0, "")
    files = outputs(repo)
    with zipfile.ZipFile(files["docx"]) as package:
        media = [name for name in package.namelist() if name.startswith("word/media/")]
        assert [package.read(name) for name in media] == [png]
    assert len(PdfReader(files["pdf"]).pages[0].images) == 1
    assert 'src="data:image/png;base64,' in files["html"].read_text("utf-8")
    assert sorted(path.name for path in files["pdf"].parent.iterdir()) == [
        ".accord-stamp.json", "child-protection.docx", "child-protection.html", "child-protection.pdf"]


LEAKS = [
    ("absolute path", "![x](/etc/passwd)",
     "image '/etc/passwd' is outside the statement folder (images must be files in statements/child-protection/)"),
    ("parent folder", "![x](../../partners/logo.png)",
     "image '../../partners/logo.png' is outside the statement folder "
     "(images must be files in statements/child-protection/)"),
    ("symlink out", "![x](images/link.png)",
     "image 'images/link.png' is outside the statement folder (images must be files in statements/child-protection/)"),
    ("remote", "![x](https://tracker.example/pixel.png)",
     "image 'https://tracker.example/pixel.png' is not a file: images must be files in statements/child-protection/"),
    ("file url", "![x](file:///etc/passwd)",
     "image 'file:///etc/passwd' is not a file: images must be files in statements/child-protection/"),
    ("missing", "![x](images/nowhere.png)", "image 'images/nowhere.png' not found in statements/child-protection/"),
]


@pytest.mark.parametrize("markdown, message", [case[1:] for case in LEAKS], ids=[case[0] for case in LEAKS])
def test_an_image_from_outside_the_statement_folder_is_never_embedded(repo, markdown, message):
    write(repo / "partners" / "logo.png", b"\x89PNG secret partner file")
    (repo / S / "images").mkdir()
    (repo / S / "images" / "link.png").symlink_to(repo / "partners" / "logo.png")
    _with_image(repo, markdown)
    result = build(repo)
    assert result.code == 2
    assert result.err == f"Error: {S}/statement.md: {message}\n"
    assert not any(path.exists() for path in outputs(repo).values())


def test_raw_blocks_are_passed_only_for_the_formats_the_front_matter_allows(repo):
    text = STATEMENT.format(id="child-protection", status="draft").replace("language: en",
                                                                          "language: en\nallow-raw: [typst]")
    write(repo / S / "statement.md", text + "\n```{=typst}\n#text(fill: red)[Raw Typst here]\n```\n")
    assert build(repo, "--format", "pdf").code == 0
    assert "Raw Typst here" in pdf_pages(outputs(repo)["pdf"])[0]
    write(repo / S / "statement.md", text + "\n```{=openxml}\n<w:p/>\n```\n")
    result = build(repo, "--format", "docx")
    assert result.err == (f"Error: {S}/statement.md: raw openxml block is not allowed "
                          "(add it to 'allow-raw' in the front matter to allow it)\n")


def test_without_allow_raw_a_raw_block_is_only_code(repo):
    _with_image(repo, "```{=typst}\n#panic(\"typst code ran\")\n```")
    assert build(repo, "--format", "pdf").code == 0


# -- many statements: shards, jobs, failures ---------------------------------------------------

@pytest.fixture
def three(repo):
    for statement_id in ("alpha", "bravo", "charlie"):
        write(repo / "statements" / statement_id / "statement.md", STATEMENT.format(id=statement_id, status="draft"))
    commit(repo, "Three more")
    return repo


def test_a_shard_builds_a_deterministic_slice(three):
    result = build(three, "--shard", "1/2", "--format", "html", "--jobs", "1")
    assert result.out == (built_line("alpha", ("html",)) + built_line("charlie", ("html",))
                          + "2 statements: 2 built\n")
    result = build(three, "--shard", "2/2", "--format", "html", "--jobs", "1")
    assert result.out == (built_line("bravo", ("html",)) + built_line("child-protection", ("html",))
                          + "2 statements: 2 built\n")
    result = build(three, "--format", "html", "--jobs", "1")
    assert result.out == ("unchanged alpha\nunchanged bravo\nunchanged charlie\nunchanged child-protection\n"
                          "4 statements: 4 unchanged\n")


def test_parallel_jobs_build_every_statement(three):
    result = build(three, "--format", "html", "--jobs", "2")
    assert result.code == 0
    assert sorted(result.out.splitlines()[:-1]) == sorted(
        built_line(i, ("html",)).rstrip("\n") for i in ("alpha", "bravo", "charlie", "child-protection"))
    assert result.out.splitlines()[-1] == "4 statements: 4 built"


def test_a_failing_statement_does_not_stop_the_others(three):
    _with_image(three, "![x](/etc/passwd)")
    result = build(three, "--format", "html", "--jobs", "1")
    assert result.code == 2
    assert result.err == (f"Error: {S}/statement.md: image '/etc/passwd' is outside the statement folder "
                          f"(images must be files in {S}/)\n")
    assert result.out.splitlines()[-1] == "4 statements: 3 built, 1 failed"


def test_force_rebuilds_and_out_puts_documents_elsewhere(repo, tmp_path):
    out = tmp_path / "elsewhere"
    assert build(repo, "--format", "html", "--out", str(out)).code == 0
    result = build(repo, "--format", "html", "--out", str(out), "--force")
    assert result.out == f"built child-protection: {out}/child-protection/child-protection.html\n"
    assert outputs(repo, out=out)["html"].exists() and not (repo / "build").exists()


BAD_ARGS = [
    (("--shard", "3/2"), "Error: --shard 3/2: I must be between 1 and N\n"),
    (("--shard", "0/2"), "Error: --shard 0/2: I must be between 1 and N\n"),
    (("--shard", "half"), "Error: --shard half: expected I/N, e.g. --shard 1/4\n"),
    (("--jobs", "0"), "Error: --jobs 0: must be 1 or more\n"),
    (("--jobs", "many"), "Error: Invalid value for '--jobs' / '-j': 'many' is not a valid integer.\n"),
    (("--format", "pdf,odt"), "Error: --format: unknown format 'odt' (choose from docx, pdf, html)\n"),
    (("child-protectoin",), "Error: unknown statement 'child-protectoin' (did you mean 'child-protection'?)\n"),
]


@pytest.mark.parametrize("args, error", BAD_ARGS, ids=[" ".join(case[0]) for case in BAD_ARGS])
def test_bad_arguments_are_one_line_errors(repo, args, error):
    result = build(repo, *args)
    assert (result.code, result.out, result.err) == (2, "", error)


def test_each_format_costs_one_pandoc_process(repo, monkeypatch):
    import accord.pandoc

    calls = []
    real_run = accord.pandoc.subprocess.run

    def counting_run(args, *rest, **kwargs):
        if args[0] == accord.pandoc.pandoc_path():
            calls.append(args[args.index("-t") + 1])
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(accord.pandoc.subprocess, "run", counting_run)
    assert build(repo, "--jobs", "1").code == 0
    assert sorted(calls) == ["docx", "html5", "typst"]


BUILD_TWICE_IN_ONE_PROCESS = """\
import sys
from accord.cli import main

if __name__ == "__main__":
    root = sys.argv[1]
    first = main(["build", "child-protection", "--format", "pdf", "--jobs", "1", "--repo", root])
    assert "typst" in sys.modules
    second = main(["build", "--force", "--format", "pdf", "--jobs", "2", "--repo", root])
    print(first, second)
"""


def test_a_process_that_ran_typst_can_build_in_parallel_again(tmp_path):
    """A build in a process that had already run Typst forked workers that deadlocked on Typst's threads
    (a long-lived process builds twice: the tests, the portal). It never finished; now it does."""
    root = make_repo(tmp_path / "alliance")
    write(root / "statements/second/statement.md", STATEMENT.format(id="second", status="draft"))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "A second statement")
    script = tmp_path / "build_twice.py"
    script.write_text(BUILD_TWICE_IN_ONE_PROCESS)
    import sys

    result = subprocess.run([sys.executable, str(script), str(root)], capture_output=True, text=True, timeout=180)
    assert (result.returncode, result.stdout.split()[-2:]) == (0, ["0", "0"]), result.stderr[-2000:]
