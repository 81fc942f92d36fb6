"""The output cache: pandoc is run once per distinct input, and a damaged entry is a miss, never a wrong answer."""

from __future__ import annotations

import hashlib
import json
import os

import accord.pandoc
from accord.outputcache import OutputCache


def test_pandoc_runs_once_for_the_same_text_and_again_for_another(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    runs = []
    real = accord.pandoc.run_pandoc
    monkeypatch.setattr(accord.pandoc, "run_pandoc", lambda *a, **k: (runs.append(a[1]), real(*a, **k))[1])
    args = ["-f", "markdown", "-t", "html5"]
    first = accord.pandoc.run_pandoc_cached(args, "Some *words*.", env={"X": "1"})
    again = accord.pandoc.run_pandoc_cached(args, "Some *words*.", env={"X": "1"})
    other = accord.pandoc.run_pandoc_cached(args, "Other *words*.", env={"X": "1"})
    other_env = accord.pandoc.run_pandoc_cached(args, "Some *words*.", env={"X": "2"})
    assert first == again == other_env == b"<p>Some <em>words</em>.</p>\n"
    assert other == b"<p>Other <em>words</em>.</p>\n"
    assert len(runs) == 3


def test_a_damaged_entry_is_made_again(tmp_path):
    cache = OutputCache("test", tmp_path)
    key = cache.key([b"input"])
    assert cache.get_or_make([b"input"], lambda: b"output") == b"output"
    entry = tmp_path / key[:2] / key
    entry.write_bytes(entry.read_bytes().replace(b"output", b"altered"))
    assert cache.get(key) is None
    assert cache.get_or_make([b"input"], lambda: b"output") == b"output"
    assert cache.key([b"ab", b"c"]) != cache.key([b"a", b"bc"])


# -- the stat memo: a build's input stamp without reading unchanged files again ---------------------------

def _stamp_reading(root, monkeypatch):
    """(stamp, files read) of a fresh RepoInputs over root, as a new process computes it."""
    from accord import outputcache
    from accord.render import inputs

    monkeypatch.setattr(outputcache, "_file_hashes", {})
    read = []
    real = inputs.read_repo_bytes
    monkeypatch.setattr(inputs, "read_repo_bytes", lambda path, *a, **k: (read.append(os.path.basename(path)),
                                                                            real(path, *a, **k))[1])
    repo_inputs = inputs.RepoInputs(root)
    stamp = repo_inputs.stamp("s", root / "statements" / "s")
    repo_inputs.remember_hashes()
    return stamp, sorted(read)


def _inputs_folder(tmp_path):
    root = tmp_path / "repo"
    for relative, text in (("templates/fonts/House.ttf", "font bytes"), ("templates/reference.docx", "reference"),
                           ("partners/p.yaml", "id: p\n"), ("statements/s/statement.md", "text\n")):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def test_the_input_stamp_reads_a_file_again_only_when_its_stat_changed(tmp_path, monkeypatch):
    from accord import outputcache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(outputcache, "_RACY_NS", 0)  # the files were just written: trust them at once
    root = _inputs_folder(tmp_path)
    first, read = _stamp_reading(root, monkeypatch)
    assert read == ["House.ttf", "p.yaml", "reference.docx", "statement.md"]
    again, read = _stamp_reading(root, monkeypatch)
    assert (again, read) == (first, [])
    assert outputcache.file_sha256(root / "templates" / "fonts" / "House.ttf") == \
        hashlib.sha256(b"font bytes").hexdigest()  # the memo's hash serves the fonts' caches too

    # the same size and modification time, other bytes: the change time moved, so it is read again
    font = root / "templates" / "fonts" / "House.ttf"
    before = font.stat()
    font.write_text("FONT BYTES", encoding="utf-8")
    os.utime(font, ns=(before.st_atime_ns, before.st_mtime_ns))
    changed, read = _stamp_reading(root, monkeypatch)
    assert changed != first and read == ["House.ttf"]


def test_a_file_changed_just_before_its_reading_is_not_remembered_and_a_damaged_memo_is_empty(tmp_path, monkeypatch):
    from accord.outputcache import StatMemo

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = _inputs_folder(tmp_path)
    first, read = _stamp_reading(root, monkeypatch)
    again, read_again = _stamp_reading(root, monkeypatch)
    assert again == first and read_again == read  # written this second: a write in the same tick would hide
    memo = StatMemo(root)
    memo.path.parent.mkdir(parents=True, exist_ok=True)
    for damage in (b'{"', b"[]", json.dumps({str(root / "partners" / "p.yaml"): [1, 2, 3, 4, 5, "ab"]}).encode()):
        memo.path.write_bytes(damage)
        assert _stamp_reading(root, monkeypatch) == (first, read)
