"""Language tags: BCP 47 validation (with a did-you-mean), the primary language and the writing direction."""

from __future__ import annotations

import functools
import re

# Tags every build meets, known valid without importing langcodes (about a second on a loaded machine).
_COMMON = re.compile(r"(en|fr|de|it|ru|es|ar|zh|uk|he|ja|ko|ka|el|hy|tr|pt|pl|nl)(-[A-Z]{2})?")
# Languages written right to left (ISO 639), and scripts that are, when a tag names its script.
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "yi", "dv", "sd", "ug", "ckb", "syr", "arc"})
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg"})
LTR_SCRIPTS = frozenset({"Latn", "Cyrl", "Grek"})


def language_problem(tag: object) -> str | None:
    """Why `tag` cannot be a statement's language (None when it can), with a did-you-mean when one is found.

    A valid tag is well-formed BCP 47 with registered subtags, written in its canonical
    form (`en-US`, not `en_US` or `EN-us`), and has a two- or three-letter primary
    language, which the PDF engine needs (a private-use `x-...` tag has none).
    """
    if not isinstance(tag, str) or not tag.strip():
        return "language must be a BCP 47 language tag, e.g. en, fr-CA, zh-Hans"
    if _COMMON.fullmatch(tag):
        return None
    return _problem(tag)


@functools.lru_cache(maxsize=256)
def _problem(tag: str) -> str | None:
    import langcodes

    shown = f"language '{tag}' is not a BCP 47 language tag"
    try:
        valid = langcodes.tag_is_valid(tag)
        canonical = langcodes.standardize_tag(tag) if valid else None
    except (ValueError, langcodes.LanguageTagError):
        valid, canonical = False, None
    if valid and canonical == tag:
        primary = tag.split("-")[0]
        if not 2 <= len(primary) <= 3:
            return f"language '{tag}' has no two- or three-letter language subtag (e.g. en, fr-CA, zh-Hans)"
        return None
    suggestion = canonical if valid else _by_name(tag)
    if suggestion and suggestion != tag:
        return f"{shown} (did you mean '{suggestion}'?)"
    return f"{shown}, e.g. en, fr-CA, zh-Hans"


def _by_name(text: str) -> str | None:
    """The tag of a language named in English (`Arabic` -> `ar`), if there is one."""
    import langcodes

    try:
        found = langcodes.find(text.replace("_", " ").strip())
    except (LookupError, ValueError, ImportError):
        return None
    return found.to_tag() if found.is_valid() else None


def primary_language(tag: str) -> str:
    """`fr-CA` -> `fr`."""
    return tag.split("-")[0].lower()


def tag_script(tag: str) -> str | None:
    """The script subtag a tag names (`zh-Hant-TW` -> `Hant`), if any."""
    for part in tag.split("-")[1:]:
        if len(part) == 4 and part.isalpha():
            return part.title()
    return None


def is_rtl(tag: str) -> bool:
    """Whether text in this language is written right to left (`ar`, `he`; `az-Arab` too, `ku-Latn` not)."""
    script = tag_script(tag)
    if script in RTL_SCRIPTS:
        return True
    if script in LTR_SCRIPTS:
        return False
    return primary_language(tag) in RTL_LANGUAGES
