"""The position vocabulary: each position a partner may take, with its letter, label, phrase, mark and rules."""

from __future__ import annotations

import enum


class Position(enum.StrEnum):
    """A partner's position on a text, as a record stores it (`Position("object")`, `Position.OBJECT == "object"`).

    Each member carries what every output says about it, so the words live here once:
    `letter` (the status matrix), `label` (the site), `phrase` (commit messages), `mark`
    (the site's compact badge) and `note` (beside a name in a signatory block).
    """

    ENDORSE = "endorse"
    ENDORSE_WITH_RESERVATIONS = "endorse-with-reservations"
    NO_OBJECTION = "no-objection"
    ABSTAIN = "abstain"
    OBJECT = "object"
    WITHDRAWN = "withdrawn"

    @property
    def letter(self) -> str:
        return _LETTERS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def mark(self) -> str:
        return _MARKS[self]

    @property
    def note(self) -> str | None:
        """What a signatory block prints beside the name when the position is not a plain endorsement."""
        return _NOTES.get(self)

    def phrase(self, who: str, what: str) -> str:
        """'UNICEF endorses 2010-child-protection': the position as a sentence."""
        return _PHRASES[self].format(who=who, what=what)

    @property
    def counting(self) -> bool:
        """Counts towards the gate (when taken on the current text by an invited partner)."""
        return self in _COUNTING

    @property
    def endorsing(self) -> bool:
        """An endorsement proper, with or without reservations (no-objection counts, but does not endorse)."""
        return self in (Position.ENDORSE, Position.ENDORSE_WITH_RESERVATIONS)

    @property
    def reserving(self) -> bool:
        """May carry reservations."""
        return self in (Position.ENDORSE_WITH_RESERVATIONS, Position.NO_OBJECTION)

    @property
    def reasoned(self) -> bool:
        """May carry the reason the partner gave."""
        return self in (Position.OBJECT, Position.ABSTAIN, Position.WITHDRAWN)

    @property
    def binding_across_versions(self) -> bool:
        """An objection stays in force across text changes until the partner records another position."""
        return self is Position.OBJECT


_COUNTING = frozenset({Position.ENDORSE, Position.ENDORSE_WITH_RESERVATIONS, Position.NO_OBJECTION})
_LETTERS = {Position.ENDORSE: "E", Position.ENDORSE_WITH_RESERVATIONS: "R", Position.NO_OBJECTION: "N",
            Position.ABSTAIN: "A", Position.OBJECT: "X", Position.WITHDRAWN: "W"}
_LABELS = {Position.ENDORSE: "endorses", Position.ENDORSE_WITH_RESERVATIONS: "endorses with reservations",
           Position.NO_OBJECTION: "no objection", Position.ABSTAIN: "abstains", Position.OBJECT: "objects",
           Position.WITHDRAWN: "withdrawn"}
_MARKS = {Position.ENDORSE: "✓", Position.ENDORSE_WITH_RESERVATIONS: "✓*", Position.NO_OBJECTION: "○",
          Position.ABSTAIN: "–", Position.OBJECT: "✗", Position.WITHDRAWN: "↩"}
_NOTES = {Position.ENDORSE_WITH_RESERVATIONS: "with reservations", Position.NO_OBJECTION: "no objection"}
_PHRASES = {
    Position.ENDORSE: "{who} endorses {what}",
    Position.ENDORSE_WITH_RESERVATIONS: "{who} endorses {what} with reservations",
    Position.NO_OBJECTION: "{who} raises no objection to {what}",
    Position.ABSTAIN: "{who} abstains on {what}",
    Position.OBJECT: "{who} objects to {what}",
    Position.WITHDRAWN: "{who} withdraws its position on {what}",
}

# The tuples older code and the record schema use, derived from the one vocabulary above.
POSITIONS: tuple[str, ...] = tuple(p.value for p in Position)
COUNTING_POSITIONS: tuple[str, ...] = tuple(p.value for p in Position if p.counting)
RESERVING_POSITIONS: tuple[str, ...] = tuple(p.value for p in Position if p.reserving)
REASONED_POSITIONS: tuple[str, ...] = tuple(p.value for p in Position if p.reasoned)
POSITION_LETTERS: dict[str, str] = {p.value: p.letter for p in Position}
