"""`accord diff`."""

from __future__ import annotations

import click

from .common import repo_option


@click.command()
@click.argument("statement_id", metavar="ID")
@click.option("--from", "from_rev", metavar="REV",
              help="The older version: a commit, tag or branch (default: the last release tag ID/vN, "
                   "else the statement's first commit).")
@click.option("--to", "to_rev", metavar="REV", help="The newer version (default: the working tree).")
@click.option("--since-endorsement", "partner", metavar="PARTNER",
              help="Compare the text PARTNER last endorsed with the newer version.")
@click.option("--lang", "language", metavar="LANG",
              help="With --since-translation: the language version (statement.LANG.md) whose translator reads.")
@click.option("--since-translation", is_flag=True,
              help="Compare the source text the --lang version renders (its translation-of) with the newer "
                   "source: what its translator must carry over.")
@click.option("--format", "fmt", metavar="FORMAT",
              help="term, html, md (CriticMarkup) or docx (Word tracked changes); "
                   "default: from -o's extension, else term.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of standard output.")
@repo_option
def diff(statement_id, from_rev, to_rev, partner, language, since_translation, fmt, output, repo):
    """Show what changed in a statement between two versions, word by word.

    Re-wrapped lines and Markdown spacing are not changes; moved paragraphs
    show as moves. The DOCX redline has native Word tracked changes and checks
    itself before it is written: accepting all changes gives the newer text,
    rejecting them the older."""
    import os
    import sys

    from ..errors import UsageError
    from ..fsutil import check_output_path, write_atomic
    from ..redline.term import summary
    from ..redline.versions import choose_format, diff_statement, output_path, render_statement_diff, renumbered

    if since_translation and language is None:
        raise UsageError("--since-translation needs --lang LANG: which language version's source text")
    if language is not None and not since_translation:
        raise UsageError("--lang goes with --since-translation (the source's changes since that version)")
    fmt = choose_format(fmt, output)
    target = output_path(output)
    if target is not None:
        check_output_path(repo.root, target, f"-o {output}")
    binary_stdout = getattr(sys.stdout, "buffer", None)
    if fmt == "docx" and target is None and (binary_stdout is None or sys.stdout.isatty()):
        raise UsageError("--format docx writes a Word file: add -o FILE.docx")
    result = diff_statement(repo, statement_id, from_rev=from_rev, to_rev=to_rev, since_endorsement=partner,
                            since_translation=language)
    color = fmt == "term" and target is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    data = render_statement_diff(repo, result, fmt, color=color)
    if target is not None:
        write_atomic(target, data)
        moves = renumbered(result)
        click.echo(f"wrote {output}: {summary(result.redline.counts)}"
                   + (f"\nRenumbered: {'; '.join(moves)}" if moves else ""))
    elif isinstance(data, bytes):
        sys.stdout.flush()
        binary_stdout.write(data)
        binary_stdout.flush()
    else:
        click.echo(data, nl=False)
