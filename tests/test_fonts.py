"""Embedded house fonts: every DOCX accord writes carries the Noto faces its text uses, subset and obfuscated."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from accord.ooxml.fonts import embed_fonts, fonts_not_carried, subset_face
from accord.review.extract import markdown_to_docx
from conftest import ROOT, git, make_alliance, run, write

FONTS = ROOT / "templates" / "fonts"
REFERENCE = ROOT / "templates" / "reference.docx"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
EMBEDS = {"embedRegular": "Regular", "embedBold": "Bold", "embedItalic": "Italic", "embedBoldItalic": "Bold Italic"}
# Characters outside Basic Latin and Latin-1: a subset must carry their pages too.
EXTRA = "\n## Sources\n\nThe Convention of Brno (Česká republika) costs €12 and ‘quotes’ — dashes.\n"


def deobfuscate(data: bytes, font_key: str) -> bytes:
    """ECMA-376 Part 1 §17.8.1, written from the standard's wording rather than from accord's code:
    the GUID's hex digits, read as 16 bytes from the last pair to the first, XORed over bytes 0-31."""
    digits = [c for c in font_key if c in "0123456789abcdefABCDEF"]
    pairs = ["".join(digits[i:i + 2]) for i in range(0, 32, 2)]
    key = [int(pair, 16) for pair in reversed(pairs)]
    return bytes(byte ^ key[index % 16] if index < 32 else byte for index, byte in enumerate(data))


def embedded_fonts(docx: bytes) -> dict[tuple[str, str], TTFont]:
    """{(family, style): font} for every w:embed* element of fontTable.xml, each part read back and decoded."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        table = etree.fromstring(package.read("word/fontTable.xml"))
        names = package.namelist()
        rels = etree.fromstring(package.read("word/_rels/fontTable.xml.rels")) \
            if "word/_rels/fontTable.xml.rels" in names else []
        targets = {rel.get("Id"): "word/" + rel.get("Target") for rel in rels}
        found = {}
        for font in table.iter(f"{W}font"):
            for tag, style in EMBEDS.items():
                embed = font.find(f"{W}{tag}")
                if embed is not None:
                    raw = package.read(targets[embed.get(R_ID)])
                    found[(font.get(f"{W}name"), style)] = TTFont(io.BytesIO(deobfuscate(raw, embed.get(f"{W}fontKey"))))
    return found


def font_parts(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return {name: package.read(name) for name in package.namelist() if name.startswith("word/fonts/")}


def build_docx(root: Path) -> bytes:
    result = run("build", "--format", "docx", "--force", "--repo", str(root))
    assert (result.code, result.err) == (0, "")
    return (root / "build" / "child-protection" / "child-protection.docx").read_bytes()


@pytest.fixture(scope="module")
def alliance(tmp_path_factory) -> Path:
    return make_alliance(tmp_path_factory.mktemp("fonts") / "alliance", signers=False, gitignore="/build/\n",
                         body_extra=EXTRA)


@pytest.fixture(scope="module")
def official(alliance) -> bytes:
    return build_docx(alliance)


# -- which faces ---------------------------------------------------------------------------------

def test_the_official_docx_embeds_each_house_face_its_text_uses(official):
    # Title block and headings: Noto Sans Bold; team, date, header and footer: Noto Sans Regular; body:
    # Noto Serif Regular; the table's header row: Noto Serif Bold; "No endorsements recorded": Italic.
    assert sorted(embedded_fonts(official)) == [
        ("Noto Sans", "Bold"), ("Noto Sans", "Regular"),
        ("Noto Serif", "Bold"), ("Noto Serif", "Italic"), ("Noto Serif", "Regular")]


def test_each_embedded_font_is_the_face_its_fonttable_entry_names(official):
    for (family, style), font in embedded_fonts(official).items():
        names = font["name"]
        assert (names.getDebugName(1), names.getDebugName(2)) == (family, style)


def test_bold_and_italic_are_embedded_only_where_runs_use_them_notes_included():
    plain = markdown_to_docx("Plain words, nothing more.\n", "A title", reference=REFERENCE)
    assert ("Noto Serif", "Bold") not in embedded_fonts(embed_fonts(plain, FONTS))
    assert ("Noto Serif", "Italic") not in embedded_fonts(embed_fonts(plain, FONTS))
    strong = markdown_to_docx("Plain words, **one strong**.\n", "A title", reference=REFERENCE)
    assert ("Noto Serif", "Bold") in embedded_fonts(embed_fonts(strong, FONTS))
    noted = markdown_to_docx("Plain words.[^1]\n\n[^1]: A note with *emphasis*.\n", "A title", reference=REFERENCE)
    faces = embedded_fonts(embed_fonts(noted, FONTS))
    assert ("Noto Serif", "Italic") in faces and ("Noto Serif", "Bold Italic") not in faces


def test_every_character_of_the_body_is_in_the_embedded_body_face(official):
    from docx import Document

    body = Document(io.BytesIO(official))
    text = "".join(p.text for p in body.paragraphs if p.style.style_id in ("BodyText", "FirstParagraph"))
    assert "Č" in text and "€" in text and "—" in text
    cmap = embedded_fonts(official)[("Noto Serif", "Regular")].getBestCmap()
    assert {c for c in text if c not in "\t\n"} - {chr(code) for code in cmap} == set()


def test_bullets_are_drawn_in_the_house_body_face_not_in_symbol_fonts():
    listed = markdown_to_docx("- one\n    - two\n        - three\n", "A title", reference=REFERENCE)
    with zipfile.ZipFile(io.BytesIO(embed_fonts(listed, FONTS))) as package:
        numbering = package.read("word/numbering.xml").decode()
    for foreign in ("Symbol", "Wingdings", "Courier New"):
        assert f'w:ascii="{foreign}"' not in numbering
    assert '<w:lvlText w:val="•"/>' in numbering


def test_text_in_a_face_the_house_does_not_carry_is_named_precisely():
    coded = embed_fonts(markdown_to_docx("Run `make build` now.\n", "A title", reference=REFERENCE), FONTS)
    assert fonts_not_carried(coded, FONTS) == ["Consolas Regular"]
    assert fonts_not_carried(embed_fonts(markdown_to_docx("Plain.\n", "A title", reference=REFERENCE), FONTS),
                             FONTS) == []


# -- how they are stored -------------------------------------------------------------------------

def test_font_parts_are_obfuscated_related_from_the_font_table_and_typed(official):
    parts = font_parts(official)
    assert len(parts) == 5
    assert all(data[:4] != b"\x00\x01\x00\x00" for data in parts.values())  # not a plain TrueType file
    with zipfile.ZipFile(io.BytesIO(official)) as package:
        types = package.read("[Content_Types].xml").decode()
        rels = package.read("word/_rels/fontTable.xml.rels").decode()
        settings = package.read("word/settings.xml").decode()
    assert ('<Default Extension="odttf" '
            'ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont"/>') in types
    assert rels.count('Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"') == 5
    order = re.findall(r"<w:(embedTrueTypeFonts|embedSystemFonts|saveSubsetFonts)/>", settings)
    assert order in (["embedTrueTypeFonts", "saveSubsetFonts"],  # in CT_Settings' order, or Word refuses the file
                     ["embedTrueTypeFonts", "embedSystemFonts", "saveSubsetFonts"])


def test_embedded_fonts_are_subsets_of_tens_of_kilobytes(alliance, official):
    assert all(len(data) < 50_000 for data in font_parts(official).values())
    whole = (FONTS / "NotoSerif-Regular.ttf").stat().st_size
    subset = embedded_fonts(official)[("Noto Serif", "Regular")]
    assert len(subset.getGlyphOrder()) < len(TTFont(FONTS / "NotoSerif-Regular.ttf").getGlyphOrder()) / 4
    assert len(font_parts(official)["word/fonts/font5.odttf"]) < whole / 10


def test_embedding_twice_changes_nothing(official):
    assert embed_fonts(official, FONTS) == official


def test_a_cached_subset_is_named_by_the_installed_fonttools_version_read_without_importing_it():
    import fontTools

    from accord.ooxml import fonts

    assert fonts._fonttools_version() == fontTools.version


def test_a_subset_is_the_same_with_or_without_the_cache_and_a_damaged_cache_file_is_recomputed(tmp_path):
    from accord.ooxml import fonts

    path, pages = FONTS / "NotoSans-Italic.ttf", frozenset({0, 1, 0x2000 // 128})
    fonts._subset_cache.clear()  # the in-process cache would answer before the folder is read
    fresh = subset_face(path, pages, cache_dir=None)
    assert fresh[:4] == b"\x00\x01\x00\x00"
    fonts._subset_cache.clear()
    assert subset_face(path, pages, cache_dir=tmp_path) == fresh
    [cached] = tmp_path.glob("*.ttf")
    whole = cached.read_bytes()
    for damaged in (b"not a font at all", whole[:len(whole) // 2], whole[:100] + b"\xff" + whole[101:]):
        cached.write_bytes(damaged)
        fonts._subset_cache.clear()
        assert subset_face(path, pages, cache_dir=tmp_path) == fresh
        assert cached.read_bytes() == whole


# -- every writer, and the setting -------------------------------------------------------------------

def test_a_font_replaced_in_place_is_read_again_and_a_damaged_facts_file_is_ignored(tmp_path, monkeypatch):
    """What accord reads from a font file is cached under the hash of its bytes: the same name
    with other bytes is another font, and a cache file that does not parse is read from the font."""
    import shutil

    from accord.ooxml import fontfiles as fonts

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(fonts, "_facts_cache", {})  # as in a new process: earlier tests read these fonts
    folder = tmp_path / "templates" / "fonts"
    folder.mkdir(parents=True)
    shutil.copyfile(FONTS / "NotoSerif-Regular.ttf", folder / "House.ttf")
    assert list(fonts.house_faces(folder)) == [fonts.Face("Noto Serif", False, False)]
    shutil.copyfile(FONTS / "NotoSans-Bold.ttf", folder / "House.ttf")
    assert list(fonts.house_faces(folder)) == [fonts.Face("Noto Sans", True, False)]
    cached = sorted((tmp_path / "cache" / "accord" / "fonts").glob("facts-*.json"))
    assert len(cached) == 2
    for path in cached:
        path.write_text('{"family": "Comic"', encoding="utf-8")
    monkeypatch.setattr(fonts, "_facts_cache", {})
    monkeypatch.setattr(fonts, "_faces_cache", {})
    assert list(fonts.house_faces(folder)) == [fonts.Face("Noto Sans", True, False)]


def test_the_glyph_check_reads_the_same_font_facts_as_embedding(tmp_path, monkeypatch):
    """One cache of what a font maps: choosing a text's fonts leaves the facts files embedding reads, nothing else."""
    from accord.i18n.scripts import TextPart, choose_fonts
    from accord.ooxml import fontfiles

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("_facts_cache", "_faces_cache"):
        monkeypatch.setattr(fontfiles, name, {})
    fonts = choose_fonts([TextPart("Peace \u0633\u0644\u0627\u0645", 3, "the title")], "en", FONTS)
    assert fonts.extra_serif == ("Noto Naskh Arabic",)
    cached = sorted(path.name for path in (tmp_path / "cache" / "accord" / "fonts").iterdir())
    faces = sorted(path for path in FONTS.iterdir() if path.suffix == ".ttf")
    assert len(cached) == len(faces) and all(name.startswith("facts-") for name in cached)


def test_review_packets_and_docx_redlines_carry_the_house_fonts(alliance, tmp_path):
    packet = tmp_path / "packet.docx"
    result = run("review", "send", "child-protection", "--partner", "unicef", "-o", str(packet),
                 "--repo", str(alliance))
    assert result.code == 0, result.err
    assert ("Noto Serif", "Regular") in embedded_fonts(packet.read_bytes())
    git(alliance, "checkout", "-q", "--", ".")  # the packet log is not this test's business
    git(alliance, "clean", "-qfd", "statements")
    redline = tmp_path / "redline.docx"
    statement = alliance / "statements" / "child-protection" / "statement.md"
    original = statement.read_text("utf-8")
    try:
        write(statement, original.replace("without delay", "within a day"))
        result = run("diff", "child-protection", "--format", "docx", "-o", str(redline), "--repo", str(alliance))
        assert result.code == 0, result.err
    finally:
        write(statement, original)
    faces = embedded_fonts(redline.read_bytes())
    assert ("Noto Serif", "Regular") in faces and ("Noto Sans", "Bold") in faces


def test_embed_fonts_false_in_accord_yaml_writes_a_docx_without_fonts(tmp_path, official):
    root = make_alliance(tmp_path / "alliance", signers=False, gitignore="/build/\n", body_extra=EXTRA)
    write(root / "accord.yaml", "organization: Test Alliance\nteam: Test Team\nbuild:\n  embed-fonts: false\n")
    git(root, "commit", "-qam", "No embedded fonts")
    plain = build_docx(root)
    assert font_parts(plain) == {} and embedded_fonts(plain) == {}
    assert len(official) - len(plain) > 40_000


def test_an_embed_fonts_setting_that_is_not_true_or_false_is_refused_with_its_line(tmp_path):
    root = make_alliance(tmp_path / "alliance", templates=False)
    write(root / "accord.yaml", "organization: Test Alliance\nbuild:\n  embed-fonts: sometimes\n")
    result = run("build", "--repo", str(root))
    assert (result.code, result.err) == (2, "Error: accord.yaml:3: 'embed-fonts' must be true or false, "
                                            "found 'sometimes'\n")
    assert not (root / "build").exists()


# -- hostile font folders --------------------------------------------------------------------------

def test_a_file_in_templates_fonts_that_is_no_font_is_refused_by_name(tmp_path):
    root = make_alliance(tmp_path / "alliance", signers=False, gitignore="/build/\n")
    write(root / "templates" / "fonts" / "Broken.ttf", b"\x00\x01\x00\x00" + b"\xff" * 64)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "A damaged font")
    result = run("build", "--format", "docx", "--repo", str(root))
    assert (result.code, result.err) == (2, "Error: templates/fonts/Broken.ttf: not a TrueType or OpenType font "
                                            "accord can read\n")
    assert not (root / "build" / "child-protection" / "child-protection.docx").exists()


def test_a_font_that_links_outside_templates_fonts_is_refused_not_embedded(tmp_path):
    outside = tmp_path / "outside" / "Secret.ttf"
    write(outside, (FONTS / "NotoSans-Regular.ttf").read_bytes())
    root = make_alliance(tmp_path / "alliance", signers=False, gitignore="/build/\n")
    (root / "templates" / "fonts" / "Linked.ttf").symlink_to(outside)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "A font link")
    result = run("build", "--format", "docx", "--repo", str(root))
    # the repository-wide rule (no file is read through a link) refuses it before the font code looks
    assert (result.code, result.err) == (2, "Error: templates/fonts/Linked.ttf: is a symbolic link; accord reads "
                                            "no file through a link (it could lead outside the repository)\n")
    assert not (root / "build" / "child-protection" / "child-protection.docx").exists()


def test_a_redline_review_packet_carries_the_house_fonts(tmp_path):
    from accord.repo import Repo

    root = make_alliance(tmp_path / "alliance", gitignore="/build/\n")
    text_hash = Repo(root).load_statement("child-protection").text_sha256
    write(root / "statements/child-protection/endorsements/unicef.yaml",
          f"statement: child-protection\npartner: unicef\nposition: endorse\ntext_sha256: {text_hash}\n"
          "signatory: Signer, Director\nrecorded_at: 2026-11-01\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Endorsement")
    statement = root / "statements/child-protection/statement.md"
    write(statement, statement.read_text("utf-8").replace("without delay", "within 24 hours"))
    git(root, "commit", "-qam", "A change")
    result = run("review", "send", "child-protection", "--partner", "unicef", "--redline", "--repo", str(root))
    assert result.code == 0, result.err
    faces = embedded_fonts((root / "build/review/child-protection-unicef.docx").read_bytes())
    assert {("Noto Serif", "Regular"), ("Noto Sans", "Bold")} <= set(faces)
