"""The build pipeline: which statements need building, then for each: load -> pandoc -> post-process -> write.

Statements are built in parallel processes (one per core by default); within a
statement the formats run side by side in threads, since each is mostly a pandoc
process or a Typst compile that leaves the GIL free. Outputs and their input
stamp go to build/<id>/; an unchanged statement is skipped before anything heavy
is imported.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import AccordError, BuildError, UsageError
from ..fsutil import check_output_path, write_atomic
from ..repo import FORMATS, Repo
from ..i18n.translations import translation_languages
from .inputs import RepoInputs, output_name, read_stamps, stamp_key, up_to_date, write_stamps

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .document import Document

# format -> "module:function" under accord.render, imported only when that format is built
BUILDERS = {"docx": "docx:build_docx", "pdf": "pdf:build_pdf", "html": "html:build_html"}
LONGEST_FIRST = ("pdf", "docx", "html")


@dataclass(frozen=True)
class Shard:
    """One of N deterministic slices of the statements, for CI matrices: every N-th id from the I-th."""

    index: int
    count: int

    def select(self, ids: list[str]) -> list[str]:
        return sorted(ids)[self.index - 1::self.count]


@dataclass(frozen=True)
class BuildResult:
    """The documents one statement's build wrote."""

    statement_id: str
    outputs: tuple[Path, ...]


@dataclass(frozen=True)
class Outcome:
    """What became of one statement in a build run."""

    statement_id: str
    state: str                          # "built", "unchanged" or "failed"
    outputs: tuple[Path, ...] = ()
    error: str | None = None


Progress = Callable[[Outcome, int, int], None]


def output_paths(target: Path, statement_id: str, formats: tuple[str, ...],
                 languages: list[str] | tuple[str, ...] = ()) -> tuple[Path, ...]:
    """The source's documents, then each language version's (ID.LANG.pdf ...)."""
    return tuple(target / output_name(statement_id, fmt, language) for language in (None, *languages)
                 for fmt in formats)


def build_statement(repo: Repo, statement_id: str, formats: tuple[str, ...] = FORMATS, out_dir: Path | None = None,
                    *, dirty: bool | None = None, stamp: str | None = None) -> BuildResult:
    """Build one statement's documents, and those of each language version, into <out>/<id>/ and record
    their input stamp.

    Every version is read and checked before anything is written: a language version that
    does not read (or lacks a paragraph of the source) stops the build, naming it, as a
    broken source does.
    """
    from ..pandoc import pandoc_path
    from .document import load_document

    inputs = RepoInputs(repo.root)
    if not stamp:
        stamp = inputs.stamp(statement_id, repo.statement_dir(statement_id))
        inputs.remember_hashes()
    languages = translation_languages(repo.statement_dir(statement_id))
    source_dirty = inputs.is_dirty(statement_id) if dirty is None else dirty
    documents: dict[str | None, Document] = {None: load_document(repo, statement_id, source_dirty)}
    for language in languages:
        documents[language] = load_document(repo, statement_id, inputs.is_dirty(statement_id, language), language)
    for document in documents.values():
        document.check_fonts()  # a character no font can set, or a missing CJK pack, stops the build before any write
    target = (out_dir or repo.build_dir) / statement_id
    check_output_path(repo.root, target, repo.rel(target), folder=True, own_folder=True)  # e.g. a committed link
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"cannot create the folder {repo.rel(target)}: {exc.strerror or exc}") from None
    pandoc_path()  # looked up once, before the threads
    stamps = read_stamps(target)
    for key in [key for key in stamps if "." in key and key.partition(".")[0] not in languages]:
        gone, _, fmt = key.partition(".")  # a version that is gone: its documents would mislead
        (target / output_name(statement_id, fmt, gone)).unlink(missing_ok=True)
        stamps.pop(key)
    failures: list[AccordError] = []
    for version, document in documents.items():
        failures += _build_formats(repo, document, formats, target, stamps, stamp, version)
    write_stamps(target, stamps)
    if failures:
        raise failures[0]
    return BuildResult(statement_id, output_paths(target, statement_id, formats, languages))


def _build_formats(repo: Repo, document: Document, formats: tuple[str, ...], target: Path, stamps: dict, stamp: str,
                   language: str | None) -> list[AccordError]:
    """Write one version's documents; each format that fails is removed and returned."""
    # The PDF is the long pole (pandoc, then Typst), so it starts first; the others share the
    # remaining cores one after the other rather than slowing it down.
    builders = {fmt: _builder(fmt) for fmt in sorted(formats, key=LONGEST_FIRST.index)}
    futures: dict[str, _Later | Future[bytes]]
    if len(builders) == 1:  # nothing to overlap: no thread, nor concurrent.futures and logging to import (10 ms)
        futures = {fmt: _Later(builder, document, target) for fmt, builder in builders.items()}
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(len(formats), os.cpu_count() or 1)) as threads:
            futures = {fmt: threads.submit(builder, document, target) for fmt, builder in builders.items()}
    failures = []
    for fmt in formats:
        future = futures[fmt]
        path = target / output_name(document.statement.id, fmt, language)
        try:
            data = future.result()
        except AccordError as error:
            failures.append(error)
            stamps.pop(stamp_key(fmt, language), None)
            path.unlink(missing_ok=True)  # a stale document beside fresh ones would mislead
            continue
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise BuildError(f"cannot write {repo.rel(path)}: {exc.strerror or exc}") from None
        stamps[stamp_key(fmt, language)] = stamp
    return failures


class _Later:
    """A builder called when its result is asked for, as a thread's future would give it."""

    def __init__(self, builder: Callable[[Document, Path], bytes], document: Document, target: Path) -> None:
        self.call = lambda: builder(document, target)

    def result(self) -> bytes:
        return self.call()


def _builder(fmt: str):
    module, function = BUILDERS[fmt].split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)


def build_statements(repo: Repo, ids: list[str], formats: tuple[str, ...], *, out_dir: Path | None = None,
                     jobs: int | None = None, force: bool = False, progress: Progress | None = None) -> list[Outcome]:
    """Build every statement in ids whose inputs changed (all with force), in up to `jobs` processes."""
    inputs = RepoInputs(repo.root)
    base = out_dir or repo.build_dir
    if base.exists() and not base.is_dir():  # refused once here, not once per statement in every worker
        raise UsageError(f"{repo.rel(base)} is a file, not a folder")
    check_output_path(repo.root, base, f"{{out_dir}} {out_dir}" if out_dir else repo.rel(base), folder=True,
                      inputs=["out_dir"] if out_dir else [],
                      own_folder=os.path.abspath(base) == os.path.abspath(repo.build_dir))
    outcomes: list[Outcome] = []
    pending: list[tuple[str, str, bool]] = []
    total = len(ids)

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if progress:
            progress(outcome, len(outcomes), total)

    for statement_id in ids:
        stamp = inputs.stamp(statement_id, repo.statement_dir(statement_id))
        target = base / statement_id
        languages = translation_languages(repo.statement_dir(statement_id))
        if not force and up_to_date(target, statement_id, formats, stamp, languages):
            report(Outcome(statement_id, "unchanged", output_paths(target, statement_id, formats, languages)))
        else:
            pending.append((statement_id, stamp, inputs.is_dirty(statement_id)))
    inputs.remember_hashes()
    if not pending:
        return outcomes
    from ..pandoc import pandoc_path

    pandoc_path()  # found once in this process; forked workers inherit it
    workers = min(jobs or os.cpu_count() or 1, len(pending))
    if workers == 1:
        for statement_id, stamp, dirty in pending:
            report(_build_one(repo, statement_id, formats, out_dir, stamp, dirty))
        return outcomes
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Fork is cheapest, but a process that has run Typst holds Typst's worker threads, and a child forked
    # from it can deadlock on a lock one of them held (seen as a build that never ends when one process
    # builds twice, as the tests and a long-lived server do). Such a process spawns fresh workers instead.
    context = multiprocessing.get_context("spawn" if "typst" in sys.modules else "fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_build_in_worker, repo.root, statement_id, formats, out_dir, stamp, dirty)
                   for statement_id, stamp, dirty in pending]
        try:
            for future in as_completed(futures):
                report(future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return outcomes


def _build_one(repo: Repo, statement_id: str, formats: tuple[str, ...], out_dir: Path | None, stamp: str,
               dirty: bool) -> Outcome:
    try:
        result = build_statement(repo, statement_id, formats, out_dir, dirty=dirty, stamp=stamp)
    except AccordError as error:
        return Outcome(statement_id, "failed", error=str(error))
    return Outcome(statement_id, "built", result.outputs)


def _build_in_worker(root: Path, statement_id: str, formats: tuple[str, ...], out_dir: Path | None, stamp: str,
                     dirty: bool) -> Outcome:
    return _build_one(Repo(root), statement_id, formats, out_dir, stamp, dirty)
