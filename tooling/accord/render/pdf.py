"""PDF: pandoc writes Typst with templates/statement.typ, and typst compiles it with the bundled fonts only."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import BuildError
from .document import Document
from .source import pandoc_to

MEDIA = "media"  # images the statement embeds, copied by pandoc under the build folder (Typst's root)


def typst_source(document: Document, target: Path) -> bytes:
    """The statement as Typst source; its images extracted into target/media/."""
    shutil.rmtree(target / MEDIA, ignore_errors=True)
    return pandoc_to(document, ["-t", "typst", "--standalone", f"--template={document.templates / 'statement.typ'}",
                                "--columns=200", f"--extract-media={MEDIA}"], cwd=target, what="pandoc (Typst)")


def compile_pdf(document: Document, source: bytes, target: Path) -> bytes:
    """Compile Typst source with the build folder as root, bundled fonts, and the commit's time."""
    import typst

    try:
        # typst's stub ties the source (bytes), its root and the font folders (str) to one type variable
        pdf, _warnings = typst.compile_with_warnings(  # type: ignore[misc]
            source, root=str(target), font_paths=[str(path) for path in document.fonts.font_paths], ignore_system_fonts=True,
            timestamp=document.provenance.epoch)
    except typst.TypstError as error:
        raise BuildError(f"typst failed: {_one_line(error.message)}", path=document.source_display) from None
    except RuntimeError as error:
        raise BuildError(f"typst failed: {_one_line(str(error))}", path=document.source_display) from None
    return pdf


def build_pdf(document: Document, target: Path) -> bytes:
    try:
        return compile_pdf(document, typst_source(document, target), target)
    finally:
        shutil.rmtree(target / MEDIA, ignore_errors=True)  # the PDF holds them now


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
