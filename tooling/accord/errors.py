"""The one error family of accord, and the Problem record that checks report."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class AccordError(Exception):
    """A failure a user can act on; its message is one line.

    The facts are attributes: `path` and `line` (where), `inputs` (the caller's inputs the error
    is about, by parameter name) and `value` (the value given, when one was). A message that tells
    the caller which input to give names it as `{name}`: str() spells it as the library call does
    (inputs maps each name to that spelling: `commit=False`), the command line as its flag
    (`spelled`, with accord.cli's table), so only the CLI speaks of flags.
    """

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 inputs: Mapping[str, str] | Iterable[str] = (), value: object = None):
        self.template = message
        self.inputs = dict(inputs) if isinstance(inputs, Mapping) else {name: name for name in inputs}
        self.value = value
        self.message = _spell(message, self.inputs)
        super().__init__(self.message)
        self.path = path
        self.line = line

    def __str__(self) -> str:
        return format_location(self.path, self.line, self.message)

    def spelled(self, spelling: Mapping[str, str]) -> str:
        """The message with each input spelled as `spelling` says (the CLI's flags), where and all."""
        return format_location(self.path, self.line,
                               _spell(self.template, {name: spelling.get(name, said) for name, said in self.inputs.items()}))


def _spell(template: str, inputs: Mapping[str, str]) -> str:
    for name, said in inputs.items():
        template = template.replace("{" + name + "}", said)
    return template


class UsageError(AccordError):
    """A command was called with arguments that cannot work."""


class RepoError(AccordError):
    """The repository cannot be found or is not an accord repository."""


class StatementError(AccordError):
    """A statement file is missing, unreadable or invalid."""


class PartnerError(AccordError):
    """A partner is unknown or its registry file is invalid."""


class LedgerError(AccordError):
    """An endorsement record is invalid or cannot be written."""


class LabelError(AccordError):
    """A paragraph label the text does not have, or an output whose reading disagrees with the labels."""


class SignatoryError(LedgerError):
    """The signatory named is not a registered signer of the partner."""


class SigningError(AccordError):
    """A signature cannot be made or checked."""


class GitError(AccordError):
    """A git operation failed or a revision does not exist."""


class BuildError(AccordError):
    """A document could not be built."""


class RedlineError(AccordError):
    """A comparison could not be made or failed its self-check."""


class ReviewError(AccordError):
    """A review packet could not be made or a returned DOCX cannot be imported."""


class TranslationError(AccordError):
    """A language version of a statement is missing, invalid, or cannot be marked current."""


class RoundError(AccordError):
    """A consultation round cannot be opened, read, imported, compiled, merged or closed."""


class PortalError(AccordError):
    """A portal account, sign-in, token or database cannot be made or used."""


class ReleaseError(AccordError):
    """A release could not be made."""


class AlreadyImported(AccordError):
    """This very DOCX was imported before (exit code 1); importing it again needs saying so."""

    exit_code = 1


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of a check: where it is and what is wrong."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return format_location(self.path, self.line, self.message)

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "message": self.message}

    def error(self, cls: type[AccordError] = AccordError) -> AccordError:
        return cls(self.message, path=self.path, line=self.line)


def did_you_mean(value: str, choices) -> str:
    """' (did you mean 'x'?)' for the closest of choices, or '' when none is close."""
    import difflib

    match = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def format_location(path: str | None, line: int | None, message: str) -> str:
    if path and line:
        return f"{path}:{line}: {message}"
    if path:
        return f"{path}: {message}"
    return message
