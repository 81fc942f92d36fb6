"""Command-line arguments: parsing the text of options, and the flag each library input is given by.

The library takes values (a Shard, a tuple of formats, a list of partner ids); turning the text of
`--shard 1/4` or `--format docx,pdf` into them, and naming flags in messages, happens here only.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import AccordError, UsageError

# Library input (a parameter name an error's `inputs` names) -> the flag that gives it.
FLAGS = {
    "repo": "--repo", "keyfile": "--sign", "recorded_by": "--recorded-by", "commit": "--no-commit",
    "base": "--base", "again": "--again", "partner": "--partner", "redline": "--redline",
    "since_endorsement": "--since-endorsement", "since_translation": "--since-translation", "from_rev": "--from", "to_rev": "--to",
    "timezone": "--timezone", "deadline": "--deadline", "time": "--time", "note": "--note",
    "title": "--title", "force": "--force", "fmt": "--format", "partners": "--partners", "early": "--early",
    "language": "--lang", "out_dir": "--out", "output": "-o",
}


def error_message(error: AccordError) -> str:
    """The one line the CLI prints for a library error: its inputs named as flags."""
    return error.spelled(FLAGS)


def parse_shard(text: str):
    """`--shard I/N`: the I-th of N slices of the statements."""
    from ..render.pipeline import Shard

    parts = text.split("/")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts):
        raise UsageError(f"--shard {text}: expected I/N, e.g. --shard 1/4")
    index, count = int(parts[0]), int(parts[1])
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {text}: I must be between 1 and N")
    return Shard(index, count)


def parse_formats(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """`--format docx,pdf`: the build formats, in the order given, each once."""
    from ..render.pipeline import FORMATS

    if text is None:
        return default
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(f"--format: unknown format '{unknown[0] if unknown else text}' (choose from docx, pdf, html)")
    return chosen


def output_path(output: str | None) -> Path | None:
    """Check -o before any work is done: its folder must exist and it must not be a folder itself."""
    if output is None:
        return None
    path = Path(output)
    if path.is_dir():
        raise UsageError(f"-o {output}: is a folder, not a file")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"-o {output}: the folder {parent} does not exist")
    return path


def choose_format(fmt: str | None, output: str | None) -> str:
    """`accord diff`'s --format as given, else from -o's extension, else term."""
    from ..redline.versions import FORMATS

    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(f"--format: unknown format '{fmt}' (choose from {', '.join(FORMATS)})")
        return fmt
    if output is None:
        return "term"
    suffix = Path(output).suffix.lower()
    by_suffix = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".docx": "docx", ".txt": "term"}
    if suffix not in by_suffix:
        raise UsageError(f"-o {output}: cannot tell the format from '{suffix or output}'; "
                         f"pass --format ({', '.join(FORMATS)})")
    return by_suffix[suffix]


def parse_partner_list(text: str | None) -> list[str] | None:
    """`--partners a,b,c`: partner ids, or None when the option is not given."""
    if text is None:
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise UsageError("--partners needs at least one partner id (a,b,c)")
    return items
