"""ooxml.package: a DOCX zip written once, byte for byte as zipfile writes it, fonts deflated once per content."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
import zlib

from conftest import ROOT


def _zip(entries: dict[str, bytes]) -> bytes:
    """The entries as zipfile itself writes them, each deflated at level 6."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 5, 10, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data, compresslevel=6)
    return out.getvalue()


def test_a_package_is_written_as_zipfile_writes_it_and_a_font_seen_before_deflates_from_the_memo():
    from accord.ooxml import package as package_module
    from accord.ooxml.package import Package

    font = (ROOT / "templates" / "fonts" / "NotoSans-Regular.ttf").read_bytes()
    picture = os.urandom(100_000)  # incompressible: deflate's stored blocks, also from the memo
    entries = {"[Content_Types].xml": b"<?xml version='1.0'?><Types/>", "word/fonts/font1.odttf": font,
               "word/media/image1.bin": picture, "word/fonts/font2.odttf": font}
    docx = _zip(entries)
    assert Package(docx).to_bytes() == docx
    assert hashlib.sha256(font).digest() in package_module._deflated
    assert Package(docx).to_bytes() == docx  # the second time every large entry comes from the memo

    changed = Package(docx)
    changed.write("word/media/image1.bin", picture[::-1])
    assert changed.to_bytes() == _zip({**entries, "word/media/image1.bin": picture[::-1]})
    with zipfile.ZipFile(io.BytesIO(changed.to_bytes())) as written:
        assert written.testzip() is None
        assert written.read("word/fonts/font2.odttf") == font


def test_a_font_deflated_by_an_earlier_process_comes_from_the_cache_folder_and_a_wrong_stream_is_refused(
        tmp_path, monkeypatch):
    from collections import OrderedDict

    from accord.ooxml import package as package_module
    from accord.ooxml.package import Package
    from accord.outputcache import write_verified

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    subset = os.urandom(9_000) * 3  # 27 KB, as a font subset: above the 16 KiB from which streams are kept
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/fonts/font1.odttf": subset})
    monkeypatch.setattr(package_module, "_deflated", OrderedDict())
    assert Package(docx).to_bytes() == docx
    stored = list((tmp_path / "cache" / "accord" / "deflate").glob("zlib-*/*"))
    assert [path.name for path in stored] == [hashlib.sha256(subset).hexdigest()]

    compressions = []  # a stream is stored right after it is compressed, and only then
    real_store = package_module._store_stream
    monkeypatch.setattr(package_module, "_store_stream", lambda *a: (compressions.append(a), real_store(*a))[1])
    monkeypatch.setattr(package_module, "_deflated", OrderedDict())  # a new process
    assert Package(docx).to_bytes() == docx
    assert compressions == []

    other = zlib.compressobj(6, zlib.DEFLATED, -15)
    write_verified(stored[0], other.compress(b"not the font") + other.flush())  # whole, but of other bytes
    monkeypatch.setattr(package_module, "_deflated", OrderedDict())
    assert Package(docx).to_bytes() == docx
    assert len(compressions) == 1
