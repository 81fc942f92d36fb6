"""The accord command line: a lazy click group; each command lives in its own module."""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from .. import __version__

# Command name -> module under accord.cli defining a click command of that name.
# Modules are imported only when their command runs (or help lists them), so
# `accord --help` stays free of lxml, gitpython, pypandoc and typst.
COMMANDS = {
    "new": "new_cmd",
    "check": "check_cmd",
    "build": "build_cmd",
    "status": "ledger_cmd",
    "endorse": "ledger_cmd",
    "verify": "ledger_cmd",
    "authorise-keys": "ledger_cmd",
    "diff": "diff_cmd",
    "review": "review_cmd",
    "release": "release_cmd",
    "site": "site_cmd",
    "init-ci": "ci_cmd",
    "round": "round_cmd",
    "translate": "translate_cmd",
}


class LazyGroup(click.Group):
    """A group that finds its commands in modules named by COMMANDS, importing them on use."""

    def list_commands(self, ctx):
        return [name for name, module in COMMANDS.items()
                if importlib.util.find_spec(f"{__name__}.{module}") is not None]

    def get_command(self, ctx, name):
        module_name = COMMANDS.get(name)
        if module_name is None or importlib.util.find_spec(f"{__name__}.{module_name}") is None:
            return None
        module = importlib.import_module(f"{__name__}.{module_name}")
        return getattr(module, name.replace("-", "_"))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="accord")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
@click.pass_context
def cli(ctx, debug):
    """Draft, endorse and publish joint statements: Markdown under git, a ledger of
    endorsements bound to the exact text, and official DOCX, PDF and HTML builds."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every failure becomes one `Error: ...` line and an exit code."""
    from ..errors import AccordError

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="accord", standalone_mode=False)
    except AccordError as error:
        if debug:
            raise
        click.echo(f"Error: {error}", err=True)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("Error: aborted", err=True)
        return 130
    except click.exceptions.Exit as exit_:
        return exit_.exit_code
    except click.ClickException as error:
        if debug:
            raise
        click.echo(f"Error: {_one_line(error.format_message())}", err=True)
        return error.exit_code
    except KeyboardInterrupt:
        click.echo("Error: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # a bug: still one line, the traceback behind --debug
        if debug:
            raise
        click.echo(f"Error: internal error: {type(error).__name__}: {_one_line(str(error))} "
                   "(run with --debug for the traceback)", err=True)
        return 70
    return code if isinstance(code, int) else 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def run() -> None:
    sys.exit(main())
