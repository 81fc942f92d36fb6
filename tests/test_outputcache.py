"""The output cache: pandoc is run once per distinct input, and a damaged entry is a miss, never a wrong answer."""

from __future__ import annotations

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
