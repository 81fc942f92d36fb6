"""Every script and direction: house fonts only, a glyph for every character, right-to-left layout,
localized furniture, and the CJK font pack (issue 15, items 1-4)."""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont
from pypdf import PdfReader

from accord.errors import BuildError
from accord.i18n import scripts
from accord.statement import canonical_text
from conftest import ROOT, git, make_alliance, run, write
from helpers.scripts import CJK, TEXTS, make_scripts_repo, statement_text

HAS_PACK = scripts.cjk_pack_dir() is not None
NO_PACK = "the CJK font pack is not installed (pip install 'accord[cjk]'; .ci/run installs it)"
LANGUAGES = tuple(language for language in TEXTS if HAS_PACK or language not in CJK)
# The faces each language's body must be set in (besides the house Noto Serif and Noto Sans).
SCRIPT_FACES = {"ar": "NotoNaskhArabic", "he": "NotoSerifHebrew", "ka": "NotoSerifGeorgian",
                "zh": "NotoSansCJKsc", "ja": "NotoSansCJKjp", "ru": "NotoSerif", "el": "NotoSerif"}
# (kind, endorsed-by) labels, and a word of them that survives pypdf's reading of the PDF (visual order for Arabic)
LABELS = {"ru": ("Совместное заявление", "Поддержали", "Страница 1 из 1"),
          "ar": ("بيان مشترك", "أيّده", "الحالة"),
          "zh": ("联合声明", "赞同方", "第 1 页，共 1 页")}
RESERVATION = "UNICEF reads paragraph 2 as a floor, not a ceiling."


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One repository with a statement per language, an English reservation on the Arabic one; PDFs of
    all, DOCX and HTML of those whose tests read them."""
    root = make_scripts_repo(tmp_path_factory.mktemp("scripts") / "alliance", LANGUAGES)
    endorsed = run("endorse", "scripts-ar", "unicef", "--position", "endorse-with-reservations", "--signatory",
                   "Signer of UNICEF, Director", "--reservation", f"2: {RESERVATION}", "--repo", str(root))
    assert endorsed.code == 0, endorsed.err
    ids = [f"scripts-{language}" for language in LANGUAGES]
    result = run("build", *ids, "--format", "pdf", "--repo", str(root))
    assert result.code == 0, result.err
    others = [f"scripts-{language}" for language in ("ar", "he", "ru", "zh") if language in LANGUAGES]
    result = run("build", *others, "--format", "docx,html", "--repo", str(root))
    assert result.code == 0, result.err
    return root


def output(root: Path, language: str, fmt: str) -> Path:
    return root / "build" / f"scripts-{language}" / f"scripts-{language}.{fmt}"


def pdf_fonts(path: Path) -> set[str]:
    """The base names of every font the PDF's pages use, without the subset tag (ABCDEF+)."""
    names = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(re.sub(r"^[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"]).lstrip("/")))
    return names


@functools.cache
def font_cmaps(with_pack: bool) -> dict[str, frozenset[int]]:
    """PostScript name -> code points, for every bundled face (and the pack's)."""
    cmaps = {}
    for path in sorted((ROOT / "templates" / "fonts").glob("*.ttf")):
        with TTFont(io.BytesIO(path.read_bytes()), lazy=True) as font:
            cmaps[str(font["name"].getDebugName(6))] = frozenset(font.getBestCmap())
    if with_pack:
        with TTCollection(io.BytesIO((scripts.cjk_pack_dir() / scripts.CJK_FILE).read_bytes()), lazy=True) as pack:
            for font in pack.fonts:
                cmaps[str(font["name"].getDebugName(6))] = frozenset(font.getBestCmap())
    return cmaps


@pytest.mark.parametrize("language", LANGUAGES)
def test_pdf_is_set_in_the_house_and_pack_fonts_only(built, language):
    fonts = pdf_fonts(output(built, language, "pdf"))
    assert all(name.startswith("Noto") for name in fonts), fonts  # no Libertinus, New Computer Modern, DejaVu
    assert any(name.startswith(SCRIPT_FACES[language]) for name in fonts), fonts


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_character_of_the_text_has_a_glyph_in_the_fonts_the_pdf_uses(built, language):
    used = {re.sub(r"-Identity-H$", "", name) for name in pdf_fonts(output(built, language, "pdf"))}
    cmaps = font_cmaps(any("CJK" in name for name in used))
    covered = frozenset().union(*(cmaps[name] for name in used if name in cmaps))
    title, paragraphs = TEXTS[language]
    missing = {c for c in title + "".join(paragraphs) if not c.isspace() and ord(c) not in covered}
    assert not missing


@pytest.mark.parametrize("language", ["ar", "he"])
def test_right_to_left_texts_are_right_to_left_in_docx_and_html(built, language):
    with zipfile.ZipFile(output(built, language, "docx")) as package:
        body = package.read("word/document.xml").decode()
        footers = [package.read(n).decode() for n in package.namelist() if re.fullmatch(r"word/footer\d+\.xml", n)]
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", body, re.S)
    assert paragraphs and all("<w:bidi/>" in p for p in paragraphs)
    assert "<w:rtl/>" in body and all("<w:bidi/>" in footer for footer in footers)
    assert re.search(r"<w:sectPr[^>]*>.*<w:bidi/>", body, re.S)
    html = output(built, language, "html").read_text("utf-8")
    assert f'<html lang="{language}" dir="rtl">' in html


@pytest.mark.parametrize("language", ["ar", "he"])
def test_html_numbers_of_right_to_left_texts_hang_on_the_start_side(built, language):
    html = output(built, language, "html").read_text("utf-8")
    assert ".para > :first-child > .label { left: auto; right: -2.8em;" in html


def test_an_english_reservation_keeps_its_own_order_in_an_arabic_text(built):
    isolated = f"\u2068{RESERVATION}\u2069"
    with zipfile.ZipFile(output(built, "ar", "docx")) as package:
        assert isolated in package.read("word/document.xml").decode()
    assert RESERVATION in PdfReader(output(built, "ar", "pdf")).pages[0].extract_text()


def test_html_reservation_is_localized_and_isolated(built):
    html = output(built, "ar", "html").read_text("utf-8")
    assert f"<li>تحفظ على الفقرة 2: \u2068{RESERVATION}\u2069</li>" in html


@pytest.mark.parametrize("language", [language for language in LABELS if language in LANGUAGES])
def test_furniture_is_in_the_language_of_the_text(built, language):
    kind, endorsed_by, in_pdf = LABELS[language]
    pdf_text = "".join(page.extract_text() for page in PdfReader(output(built, language, "pdf")).pages)
    assert in_pdf in pdf_text
    with zipfile.ZipFile(output(built, language, "docx")) as package:
        docx_text = "".join(package.read(n).decode() for n in package.namelist()
                            if re.fullmatch(r"word/(document|header[0-9]+|footer[0-9]+)[.]xml|docProps/core[.]xml", n))
    html = output(built, language, "html").read_text("utf-8")
    for shown in (docx_text, html):
        assert kind in shown and endorsed_by in shown
        assert "Endorsed by" not in shown and "Joint Statement" not in shown
    assert "JOINT STATEMENT" not in pdf_text and "Page 1 of 1" not in pdf_text


def test_dates_are_written_in_the_language_of_the_text(built):
    assert "5 марта 2026" in output(built, "ru", "html").read_text("utf-8")
    assert "5 مارس 2026" in output(built, "ar", "html").read_text("utf-8")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
@pytest.mark.parametrize("language", ["ar", "zh"])
def test_paragraph_numbers_stand_on_the_start_side_of_the_page(built, language, tmp_path):
    if language in CJK and not HAS_PACK:
        pytest.skip(NO_PACK)
    subprocess.run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-gray",
                    str(output(built, language, "pdf")), str(tmp_path / "page")], check=True)
    width, height, pixels = read_pgm(next(tmp_path.glob("page*.pgm")).read_bytes())
    mm = width / 210

    def ink(x_from_mm: float, x_to_mm: float) -> int:
        return sum(1 for x in range(int(x_from_mm * mm), int(x_to_mm * mm)) for y in range(height)
                   if pixels[y * width + x] < 160)

    assert ink(25, 185) > 500  # the page is not blank
    left_margin, right_margin = ink(12, 24), ink(186, 198)  # where a hung paragraph number stands
    if language == "ar":
        assert right_margin > 20 and left_margin == 0
    else:
        assert left_margin > 20 and right_margin == 0


def read_pgm(data: bytes) -> tuple[int, int, bytes]:
    """A binary PGM (P5, 8 bit) as pdftoppm -gray writes it: width, height, one byte per pixel."""
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)
    assert header, data[:20]
    width, height = int(header.group(1)), int(header.group(2))
    return width, height, data[header.end():header.end() + width * height]


def test_rewrapping_chinese_text_keeps_its_hash():
    title, paragraphs = TEXTS["zh"]
    wrapped = "\n\n".join(paragraphs)
    unwrapped = "\n\n".join(paragraph.replace("\n", "") for paragraph in paragraphs)
    rewrapped = "\n\n".join("\n".join(paragraph.replace("\n", "")[i:i + 7]
                                      for i in range(0, len(paragraph.replace("\n", "")), 7))
                            for paragraph in paragraphs)
    assert canonical_text(title, wrapped) == canonical_text(title, unwrapped) == canonical_text(title, rewrapped)
    # Between words of spaced scripts a line break stays a space: English and Korean alike.
    assert canonical_text("t", "two\nwords") == canonical_text("t", "two words")
    assert canonical_text("t", "한국어\n문장") == canonical_text("t", "한국어 문장")
    assert canonical_text("t", "中文\n句子") != canonical_text("t", "中文 句子")


def one_statement(tmp_path, language: str, body_extra: str = "") -> Path:
    root = make_alliance(tmp_path / "alliance")
    write(root / "statements" / "one" / "statement.md",
          statement_text(language).replace(f"scripts-{language}", "one") + body_extra)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "One more")
    return root


def test_a_chinese_text_without_the_font_pack_is_refused_naming_the_pack(tmp_path, monkeypatch):
    root = one_statement(tmp_path, "zh")
    monkeypatch.setattr(scripts, "cjk_pack_dir", lambda: None)
    result = run("build", "one", "--repo", str(root))
    assert result.code == 2
    assert result.err == ("Error: statements/one/statement.md:3: the text is in Chinese, Japanese or Korean script, "
                          "which needs the optional font pack: pip install 'accord[cjk]' (the noto-cjk-sans-otc "
                          "package)\n")
    assert not (root / "build" / "one").exists()


def test_a_character_no_font_has_fails_the_build_naming_it_and_its_paragraph(tmp_path):
    root = one_statement(tmp_path, "el", "\nΤο σύμβολο \U00013000 δεν υπάρχει σε καμία γραμματοσειρά.\n")
    result = run("build", "one", "--repo", str(root))
    assert result.code == 2
    assert result.err == ("Error: statements/one/statement.md:18: no font has a glyph for '\U00013000' "
                          "(U+13000, EGYPTIAN HIEROGLYPH A001) in the paragraph: "
                          "\"Το σύμβολο \U00013000 δεν υπάρχει σε καμία γραμματοσειρά.\"\n")
    assert not (root / "build" / "one").exists()


@pytest.mark.parametrize(("language", "message"), [
    ("Arabic", "language 'Arabic' is not a BCP 47 language tag (did you mean 'ar'?)"),
    ("en_US", "language 'en_US' is not a BCP 47 language tag (did you mean 'en-US'?)"),
    ("xx-invalid", "language 'xx-invalid' is not a BCP 47 language tag, e.g. en, fr-CA, zh-Hans"),
    ("x-private", "language 'x-private' has no two- or three-letter language subtag (e.g. en, fr-CA, zh-Hans)"),
])
def test_check_refuses_a_language_that_is_no_bcp47_tag_and_build_writes_nothing(tmp_path, language, message):
    root = one_statement(tmp_path, "el")
    path = root / "statements" / "one" / "statement.md"
    path.write_text(path.read_text("utf-8").replace("language: el", f"language: {language}"), "utf-8")
    checked = run("check", "--repo", str(root))
    assert checked.code == 1
    assert f"statements/one/statement.md:7: {message}" in checked.out
    built = run("build", "one", "--repo", str(root))
    assert built.code == 2 and built.err == f"Error: statements/one/statement.md:7: {message}\n"
    assert not (root / "build" / "one").exists()


@pytest.mark.parametrize("language", ["fr-CA", "zh-Hant-TW", "es-419", "sr-Latn", "ar"])
def test_check_accepts_bcp47_tags(tmp_path, language):
    root = one_statement(tmp_path, "el")
    path = root / "statements" / "one" / "statement.md"
    path.write_text(path.read_text("utf-8").replace("language: el", f"language: {language}"), "utf-8")
    assert run("check", "one", "--repo", str(root)).code == 0


def test_docx_names_each_scripts_faces_in_its_styles_and_carries_them(built):
    with zipfile.ZipFile(output(built, "ar", "docx")) as package:
        styles = package.read("word/styles.xml").decode()
        font_table = package.read("word/fontTable.xml").decode()
        header = next(package.read(n).decode() for n in package.namelist() if re.fullmatch(r"word/header\d+\.xml", n))
    assert 'w:cs="Noto Naskh Arabic"' in styles and 'w:cs="Noto Sans Arabic"' in styles
    for family in ("Noto Naskh Arabic", "Noto Sans Arabic"):
        assert re.search(f'<w:font w:name="{family}">((?!</w:font>).)*<w:embedRegular ', font_table, re.S), family
    assert 'font-family:&quot;Noto Sans Arabic&quot;' in header and 'string="مسودة"' in header  # the watermark


def test_quotes_are_the_languages_own_in_every_format(tmp_path):
    root = one_statement(tmp_path, "ru", '\nОни сказали: "защита прежде всего".\n')
    result = run("build", "one", "--format", "html,docx", "--repo", str(root))
    assert result.code == 0, result.err
    assert "«защита прежде всего»" in (root / "build" / "one" / "one.html").read_text("utf-8")
    with zipfile.ZipFile(io.BytesIO((root / "build" / "one" / "one.docx").read_bytes())) as package:
        assert "«" in package.read("word/document.xml").decode()


def test_every_label_table_has_every_label_with_the_same_placeholders():
    import string

    from accord.i18n.furniture import ENGLISH, LABELS

    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for language, table in LABELS.items():
        assert set(table) == set(ENGLISH), language
        assert all(placeholders(text) == placeholders(ENGLISH[key]) for key, text in table.items()), language
    assert {"en", "fr", "de", "it", "ru", "es", "ar", "zh", "uk"} <= set(LABELS)


def test_a_repository_without_the_house_fonts_builds_with_the_engines_own_as_before(tmp_path):
    fonts = scripts.choose_fonts([scripts.TextPart("Texte en français")], "fr", tmp_path / "no-fonts")
    assert (fonts.serif, fonts.sans) == (("Noto Serif",), ("Noto Sans",))


def test_a_copy_of_the_house_fonts_finds_the_character_maps_its_twin_cached_and_a_changed_font_is_read(
        tmp_path, monkeypatch):
    from accord.ooxml import fontfiles

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from accord import outputcache

    for memo in ("_facts_cache", "_faces_cache"):
        monkeypatch.setattr(fontfiles, memo, {})
    monkeypatch.setattr(outputcache, "_file_hashes", {})
    hebrew = [scripts.TextPart("שלום", 3, "the title")]
    first = shutil.copytree(ROOT / "templates" / "fonts", tmp_path / "first")
    chosen = scripts.choose_fonts(hebrew, "he", first)
    assert "Noto Serif Hebrew" in chosen.serif

    read_font_facts = fontfiles._read_font_facts
    read = []

    def reading(path, shown, number=0):
        read.append(path.parent)
        return read_font_facts(path, shown, number)

    monkeypatch.setattr(fontfiles, "_read_font_facts", reading)
    second = shutil.copytree(first, tmp_path / "second")  # another clone: other paths, other times
    assert scripts.choose_fonts(hebrew, "he", second) == scripts.ScriptFonts(
        chosen.serif, chosen.sans, (second, *chosen.font_paths[1:]))
    assert read == [], "fontTools read a copy of fonts whose facts its twin cached"

    # the same names with other bytes are other fonts: their maps are those of the bytes (here the Latin
    # faces', whose facts are cached under their own hash), never the cached maps of the names
    third = shutil.copytree(first, tmp_path / "third")
    (third / "NotoSerifHebrew-Regular.ttf").write_bytes((third / "NotoSerif-Regular.ttf").read_bytes())
    (third / "NotoSansHebrew-Regular.ttf").write_bytes((third / "NotoSans-Regular.ttf").read_bytes())
    with pytest.raises(BuildError, match="no font has a glyph for"):
        scripts.choose_fonts(hebrew, "he", third)
