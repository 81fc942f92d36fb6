"""A second renderer: LibreOffice lays out each kind of DOCX accord writes, as a partner's office suite would.

Every DOCX is converted once per session (one soffice run, a private profile), and
its PDF is checked: only the house fonts (so the embedded ones were used: Noto is
not installed on the machine), the page count near the Typst PDF's, the DRAFT
watermark and the header and footer on every page, tracked changes in a redline.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from conftest import ROOT, git, make_alliance, run, write

SOFFICE = shutil.which("soffice")
pytestmark = [
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (apt-get install "
                                               "libreoffice-writer-nogui; .ci/run installs it)"),
    pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils (pdffonts, pdftotext) is not installed"),
]

HOUSE_FONTS = {f"Noto{family}-{style}" for family in ("Serif", "Sans")
               for style in ("Regular", "Bold", "Italic", "BoldItalic")}
SAMPLES = ("2005-eu-plan-recommendations", "2010-child-protection", "2026-labour-exploitation")
DRAFTS = ("2026-labour-exploitation", "official", "packet")
# The watermark's fill (#D9D9D9), as LibreOffice writes it into each page's content stream.
WATERMARK_FILL = "0.8509803921 0.8509803921 0.8509803921 rg"
LONG_BODY = "\n## Annex\n\n" + "\n\n".join(
    f"Paragraph {n} of the annex. " + "The partners recall their shared duty to protect children on the move. " * 9
    for n in range(1, 13)) + "\n"


def soffice_convert(files: list[Path], out: Path, profile: Path, to: str = "pdf") -> None:
    result = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", to,
                             "--outdir", str(out), *map(str, files)], capture_output=True, text=True, timeout=300)
    missing = [f.name for f in files if not (out / f"{f.stem}.{to}").exists()]
    assert not missing, f"soffice did not convert {missing}: {result.stdout}{result.stderr}"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """{kind: {"docx": ..., "lo": LibreOffice's PDF, "typst": accord's PDF}} for the samples, a draft's
    official build, its review packet, and a redline."""
    base = tmp_path_factory.mktemp("render")
    samples = base / "samples"
    # --jobs 1: forked build workers hang in a test process where Typst already ran (its thread pool
    # does not survive a fork), and this fixture may run after other tests' builds.
    result = run("build", *SAMPLES, "--format", "docx,pdf", "--out", str(samples), "--force", "--jobs", "1",
                 "--repo", str(ROOT))
    assert result.code == 0, result.err
    files = {name: {"docx": samples / name / f"{name}.docx", "typst": samples / name / f"{name}.pdf"}
             for name in SAMPLES}

    alliance = make_alliance(base / "alliance", signers=False, gitignore="/build/\n", body_extra=LONG_BODY)
    result = run("build", "--format", "docx,pdf", "--repo", str(alliance))
    assert result.code == 0, result.err
    built = alliance / "build" / "child-protection"
    docs = base / "docs"
    docs.mkdir()
    shutil.copy(built / "child-protection.docx", docs / "official.docx")
    files["official"] = {"docx": docs / "official.docx", "typst": built / "child-protection.pdf"}
    result = run("review", "send", "child-protection", "--partner", "unicef", "-o", str(docs / "packet.docx"),
                 "--repo", str(alliance))
    assert result.code == 0, result.err
    files["packet"] = {"docx": docs / "packet.docx", "typst": built / "child-protection.pdf"}
    statement = alliance / "statements" / "child-protection" / "statement.md"
    write(statement, statement.read_text("utf-8").replace("without delay", "within a day")
          .replace("Age assessment should be a last resort.", "Age assessment should be a resort."))
    git(alliance, "commit", "-qam", "Change words")
    result = run("diff", "child-protection", "--from", "HEAD~1", "--format", "docx", "-o",
                 str(docs / "redline.docx"), "--repo", str(alliance))
    assert result.code == 0, result.err
    files["redline"] = {"docx": docs / "redline.docx"}

    out = base / "lo"
    soffice_convert([entry["docx"] for entry in files.values()], out, base / "profile")
    soffice_convert([files["redline"]["docx"]], out, base / "profile", to="odt")
    for entry in files.values():
        entry["lo"] = out / f"{entry['docx'].stem}.pdf"
    files["redline"]["odt"] = out / "redline.odt"
    return files


def pdf_fonts(path: Path) -> set[str]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return {line.split()[0].split("+", 1)[-1] for line in lines if line.strip()}


def page_texts(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def page_count(path: Path) -> int:
    return len(PdfReader(path).pages)


@pytest.mark.parametrize("kind", [*SAMPLES, "official", "packet", "redline"])
def test_libreoffice_sets_every_docx_in_the_embedded_house_fonts_only(rendered, kind):
    fonts = pdf_fonts(rendered[kind]["lo"])
    assert fonts and fonts <= HOUSE_FONTS, f"{kind}: {sorted(fonts - HOUSE_FONTS)} besides the house fonts"


@pytest.mark.parametrize("kind", [*SAMPLES, "official", "packet"])
def test_libreoffice_gives_within_one_page_of_the_typst_pdf(rendered, kind):
    assert abs(page_count(rendered[kind]["lo"]) - page_count(rendered[kind]["typst"])) <= 1


@pytest.mark.parametrize("kind", [*SAMPLES, "official", "packet"])
def test_the_draft_watermark_is_on_every_page_of_a_draft_and_on_none_of_a_final_text(rendered, kind):
    pages = PdfReader(rendered[kind]["lo"]).pages
    marked = [WATERMARK_FILL in page.get_contents().get_data().decode("latin-1") for page in pages]
    assert marked == [kind in DRAFTS] * len(pages)


@pytest.mark.parametrize("kind", [*SAMPLES, "official", "packet"])
def test_symbol_provenance_line_and_page_x_of_y_are_on_every_page(rendered, kind):
    docx = Document(str(rendered[kind]["docx"]))
    section = docx.sections[-1]
    provenance = " ".join(section.footer.paragraphs[0].text.split("\t")[0].split())
    symbol = section.header.tables[0].rows[0].cells[0].text
    assert provenance and symbol
    pages = page_texts(rendered[kind]["lo"])
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert symbol in text and provenance in text and f"Page {number} of {len(pages)}" in text, (number, text)


def test_a_redline_shows_its_inserted_and_deleted_words_as_tracked_changes(rendered):
    text = " ".join(page_texts(rendered["redline"]["lo"]))
    for word in ("without", "delay", "within a day", "last resort"):  # shown, not accepted: both sides on the page
        assert word in text
    # LibreOffice's own document model, saved as ODT: the changes it read are tracked changes, not plain text.
    with zipfile.ZipFile(rendered["redline"]["odt"]) as package:
        content = package.read("content.xml").decode("utf-8")
    regions = dict(re.findall(r'<text:changed-region [^>]*text:id="([^"]+)">(.*?)</text:changed-region>', content, re.S))

    def plain(xml: str) -> str:
        xml = re.sub(r"<office:change-info>.*?</office:change-info>", "", xml, flags=re.S)
        return " ".join(re.sub(r"<[^>]+>", " ", xml.replace("<text:s/>", " ")).split())

    deleted = [plain(region) for region in regions.values() if "<text:deletion>" in region]
    inserted = [plain(m) for ident, region in regions.items() if "<text:insertion>" in region
                for m in re.findall(rf'<text:change-start text:change-id="{ident}"/>(.*?)'
                                    rf'<text:change-end text:change-id="{ident}"/>', content, re.S)]
    assert deleted == ["without delay", "last"] and inserted == ["within a day"]
    assert set(re.findall(r"<dc:creator>([^<]*)</dc:creator>", content)) == {"Test Drafter"}
