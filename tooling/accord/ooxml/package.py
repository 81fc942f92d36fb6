"""A DOCX package read once and written once: its zip entries in order, XML parts parsed on demand.

Every DOCX writer post-processes pandoc's or python-docx's zip in several steps
(tracked changes, Word numbering, embedded fonts, review settings). Each step
used to unzip, parse, serialize and re-zip the whole package; with `Package`
the steps share the parsed trees and the zip is written once. A part a step
only reads keeps its bytes; a part it edits (`edit`) is serialized once, at
the end.
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
import zlib
from collections import OrderedDict

from lxml import etree

from .ns import w as w  # noqa: PLC0414 - re-exported: the one namespace helper

# No entities, no network: a DOCX from outside is parsed as data, never as instructions.
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False, huge_tree=False)


def parse_xml_part(data: bytes) -> etree._Element:
    """An XML part's root, parsed without entity resolution or network access."""
    return etree.fromstring(data, XML_PARSER)


def xml_bytes(root: etree._Element) -> bytes:
    """A part's bytes as every accord writer serializes them (declaration, UTF-8, standalone)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


class Package:
    """The entries of a DOCX (a zip), each part's bytes, and the XML trees parsed so far."""

    def __init__(self, docx: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(docx)) as source:
            self.infos = source.infolist()
            self._blobs = {info.filename: source.read(info) for info in self.infos}
        self._trees: dict[str, etree._Element] = {}
        self._edited: set[str] = set()
        self._added: list[str] = []   # new parts, written after the zip's own entries

    def __contains__(self, name: str) -> bool:
        return name in self._blobs

    def names(self) -> list[str]:
        """Every part name, in the zip's order, new parts last."""
        return [info.filename for info in self.infos] + self._added

    def read(self, name: str) -> bytes:
        """A part's bytes as they stand (an edited XML part serialized)."""
        if name in self._edited:
            return xml_bytes(self._trees[name])
        return self._blobs[name]

    def xml(self, name: str) -> etree._Element:
        """A part's XML tree, parsed once; to change it, use `edit`."""
        tree = self._trees.get(name)
        if tree is None:
            tree = self._trees[name] = parse_xml_part(self._blobs[name])
        return tree

    def edit(self, name: str) -> etree._Element:
        """A part's XML tree, to be changed in place and serialized when the package is written."""
        tree = self.xml(name)
        self._edited.add(name)
        return tree

    def set_xml(self, name: str, root: etree._Element) -> None:
        """Replace (or add) an XML part by a tree."""
        self._trees[name] = root
        self._edited.add(name)
        self._note(name)

    def write(self, name: str, data: bytes) -> None:
        """Replace (or add) a part by its bytes."""
        self._note(name)
        self._trees.pop(name, None)
        self._edited.discard(name)
        self._blobs[name] = data

    def _note(self, name: str) -> None:
        if name not in self._blobs:
            self._blobs[name] = b""
            self._added.append(name)

    def to_bytes(self, *, date_time: tuple[int, int, int, int, int, int] | None = None,
                 create_system: int | None = None, external_attr: int | None = None) -> bytes:
        """The package as a zip: entries in their order and with their times (or `date_time`), new
        parts after them with the first entry's; every entry deflated at level 6."""
        first = self.infos[0] if self.infos else None
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for info in self.infos:
                write_deflated(target, self._entry(info.filename, info, date_time, create_system, external_attr),
                               self.read(info.filename))
            for name in self._added:
                write_deflated(target, self._entry(name, first, date_time, create_system, external_attr),
                               self.read(name))
        return out.getvalue()

    @staticmethod
    def _entry(name: str, template: zipfile.ZipInfo | None, date_time, create_system, external_attr) -> zipfile.ZipInfo:
        when = date_time or (template.date_time if template is not None else (1980, 1, 1, 0, 0, 0))
        info = zipfile.ZipInfo(name, date_time=when)
        info.compress_type = zipfile.ZIP_DEFLATED
        if template is not None:
            info.create_system = template.create_system
            info.external_attr = template.external_attr
        if create_system is not None:
            info.create_system = create_system
        if external_attr is not None:
            info.external_attr = external_attr
        return info


# Deflate streams of large entries (fonts, pictures) by their content: a round writes one official DOCX's
# fonts into every partner's packet, and a process that builds several DOCX embeds the same fonts in each.
# Streams of entries of 16 KiB or more are also kept in the cache folder: a DOCX build embeds the same
# font subsets as the build before it (a 3-page text: five subsets, 126 KB, 3.5 ms of deflate per build).
_STORE_FROM = 16 * 1024
_REMEMBERED_BYTES = 64 * 1024 * 1024
_deflated: OrderedDict[bytes, bytes] = OrderedDict()
_deflated_lock = threading.Lock()  # the build writes its formats in threads


def write_deflated(target: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    """Write one entry deflated at level 6, as `target.writestr(info, data, compresslevel=6)` would, byte for
    byte; an entry of 16 KiB or more is compressed once per content, zlib version and cache folder (Noto
    Sans, 0.5 MB, takes 25 ms of CPU).

    zipfile has no public way to write an entry already compressed, so the entry's compressor (the
    `_compressor` of zipfile's write handle) is replaced by one that hands back the remembered stream.
    Were that attribute ever renamed, zipfile would compress the entry itself: same bytes, just slower.
    """
    if len(data) < _STORE_FROM:
        target.writestr(info, data, compresslevel=6)
        return
    info.file_size = len(data)
    with target.open(info, "w") as entry:
        entry._compressor = _RememberedDeflate()  # type: ignore[attr-defined]
        entry.write(data)


class _RememberedDeflate:
    """One entry's raw deflate stream at level 6 (what zipfile's own compressor makes), from the memo or
    the cache folder when the same bytes were compressed before with the same zlib."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def compress(self, data: bytes) -> bytes:
        self._chunks.append(bytes(data))
        return b""

    def flush(self) -> bytes:
        data = b"".join(self._chunks)
        key = hashlib.sha256(data).digest()
        with _deflated_lock:
            stream = _deflated.get(key)
            if stream is not None:
                _deflated.move_to_end(key)
                return stream
        stream = _stored_stream(key, data)
        if stream is None:
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            stream = compressor.compress(data) + compressor.flush()
            _store_stream(key, stream)
        with _deflated_lock:
            _deflated[key] = stream
            while sum(map(len, _deflated.values())) > _REMEMBERED_BYTES and len(_deflated) > 1:
                _deflated.popitem(last=False)
        return stream


def _stream_path(key: bytes):
    from ..outputcache import cache_root

    version = "".join(c for c in zlib.ZLIB_RUNTIME_VERSION if c.isalnum() or c == ".")
    return cache_root() / "deflate" / f"zlib-{version}" / key.hex()


def _stored_stream(key: bytes, data: bytes) -> bytes | None:
    """A stream from the cache folder, only if it inflates to exactly these bytes (a few hundred
    microseconds for a font subset): a damaged or foreign file there costs time, never a wrong DOCX."""
    from ..outputcache import read_verified

    stream = read_verified(_stream_path(key))
    if stream is None:
        return None
    try:
        inflater = zlib.decompressobj(-15)
        same = inflater.decompress(stream, len(data) + 1) == data and inflater.eof and not inflater.unused_data
    except zlib.error:
        return None
    return stream if same else None


def _store_stream(key: bytes, stream: bytes) -> None:
    from ..outputcache import write_verified

    write_verified(_stream_path(key), stream)


def with_parts(docx: bytes, replaced: dict[str, bytes]) -> bytes:
    """The DOCX with these parts' bytes replaced; every other entry, and every entry's order and time, as it was."""
    package = Package(docx)
    for name, data in replaced.items():
        package.write(name, data)
    return package.to_bytes()
