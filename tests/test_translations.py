"""Language versions (statement.LANG.md): staleness, the paragraph check, --since-translation,
`translate --mark-current`, builds of every version and the language gate of a release."""

from __future__ import annotations

import json

from conftest import ROOT, git, run, write
from helpers.release import SID, endorsed

from accord.repo import Repo

S = "statements/child-protection/statement.md"
FR = "statements/child-protection/statement.fr.md"
FRENCH = """\
---
id: child-protection
title: Déclaration commune sur la protection des enfants
language: fr
translation-of: {hash}
translation-status: checked
---

## Préambule

Les enfants en déplacement sont exposés à la traite à chaque étape de leur
voyage, et les partenaires de l'alliance ont le devoir commun de les protéger.

## Recommandations

1. Les États devraient désigner sans délai un tuteur pour chaque enfant non accompagné.
2. L'évaluation de l'âge ne devrait intervenir qu'en dernier recours.[^1]
{extra}
| Acteur | Responsabilité |
|---|---|
| États | Tutelle |
| Organismes | Orientation |

[^1]: En cas de doute, la personne devrait être traitée comme un enfant.
"""


def source_hash(root) -> str:
    return Repo(root).load_statement(SID).text_sha256


def add_french(root, text_hash: str | None = None, extra: str = "", commit: bool = True) -> None:
    write(root / FR, FRENCH.format(hash=text_hash or source_hash(root), extra=extra))
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "French version")


def change_source(root, old: str = "without delay", new: str = "within three days") -> None:
    path = root / S
    path.write_text(path.read_text("utf-8").replace(old, new), encoding="utf-8")
    git(root, "commit", "-q", "-am", "Recommendation 1: a deadline")


def status_json(root) -> dict:
    result = run("status", SID, "--json", "--repo", str(root))
    assert result.code == 0, result.err
    return json.loads(result.out)


# -- staleness ---------------------------------------------------------------------------------

def test_a_version_of_the_current_text_is_current_and_goes_stale_when_a_word_of_the_source_changes(repo):
    add_french(repo)
    before = source_hash(repo)
    shown = run("status", SID, "--repo", str(repo)).out
    assert "Languages:\n  en  source  statements/child-protection/statement.md\n" \
           "  fr  checked, current  statements/child-protection/statement.fr.md\n" in shown
    assert status_json(repo)["translations"] == [{
        "language": "fr", "file": FR, "source": False, "required": False, "state": "current",
        "translation_status": "checked", "translation_of": before, "current": True}]

    change_source(repo)
    shown = run("status", SID, "--repo", str(repo)).out
    assert f"  fr  checked, stale (renders {before[:8]})  {FR}\n" in shown
    translation = status_json(repo)["translations"][0]
    assert (translation["state"], translation["current"], translation["translation_of"]) == ("stale", False, before)
    matrix = run("status", "--repo", str(repo))
    assert matrix.out.endswith("Translations:\n  child-protection: fr stale\n")
    listed = json.loads(run("status", "--json", "--repo", str(repo)).out)
    assert listed[0]["translations"][0]["state"] == "stale"


def test_rewrapping_the_source_leaves_its_versions_current(repo):
    add_french(repo)
    path = repo / S
    path.write_text(path.read_text("utf-8").replace("of their\njourney", "of\ntheir journey"), encoding="utf-8")
    assert status_json(repo)["translations"][0]["current"] is True


# -- check ------------------------------------------------------------------------------------

def test_check_names_a_version_with_a_paragraph_the_source_does_not_have(repo):
    add_french(repo, extra="3. Les enfants devraient être entendus.\n", commit=False)
    result = run("check", "--repo", str(repo))
    assert result.code == 1
    assert result.out.startswith(f"{FR}:18: paragraph 3 here is not in statement.md (statement.md has 1-2)\n")


def test_check_names_a_version_that_lacks_a_paragraph_of_the_source(repo):
    write(repo / FR, FRENCH.format(hash=source_hash(repo), extra="").replace(
        "2. L'évaluation de l'âge ne devrait intervenir qu'en dernier recours.[^1]\n", ""))
    result = run("check", "--repo", str(repo))
    assert result.code == 1
    assert f"{FR}:23: paragraph 2 of statement.md is missing here (statement.md has 1-2)\n" in result.out


def test_check_refuses_a_version_whose_language_or_name_or_status_is_wrong(repo):
    write(repo / FR, FRENCH.format(hash=source_hash(repo), extra="").replace("language: fr", "language: de"))
    write(repo / "statements/child-protection/statement.French.md", "x")
    write(repo / "statements/child-protection/statement.en.md",
          FRENCH.format(hash=source_hash(repo), extra="").replace("language: fr", "language: en")
          .replace("translation-status: checked", "translation-status: final"))
    result = run("check", "--repo", str(repo))
    assert result.code == 1
    assert result.out.splitlines()[:3] == [
        "statements/child-protection/statement.French.md: not a language version: name it statement.LANG.md "
        "with a language tag such as fr, ru or pt-BR",
        "statements/child-protection/statement.en.md:6: 'translation-status' must be one of draft, checked, "
        "authentic; found 'final'",
        f"{FR}:4: language 'de' differs from the file name's 'fr' (a de version is statement.de.md)",
    ]


def test_a_version_may_not_set_what_the_source_decides(repo):
    write(repo / FR, FRENCH.format(hash=source_hash(repo), extra="").replace("language: fr\n",
                                                                             "language: fr\nstatus: final\n"))
    result = run("check", "--repo", str(repo))
    assert result.code == 1
    assert f"{FR}:5: unknown key 'status' in translation front matter" in result.out


# -- diff --since-translation -------------------------------------------------------------------

def test_diff_since_translation_shows_the_source_changes_since_the_text_the_version_renders(repo):
    add_french(repo)
    change_source(repo)
    change_source(repo, "last resort", "measure of last resort")
    result = run("diff", SID, "--lang", "fr", "--since-translation", "--format", "md", "--repo", str(repo))
    assert result.code == 0, result.err
    assert "{~~without delay~>within three days~~}" in result.out
    assert "a{++ measure of++} last resort" in result.out
    assert "Preamble" in result.out


def test_diff_since_translation_refuses_bad_input(repo):
    add_french(repo)
    assert run("diff", SID, "--since-translation", "--repo", str(repo)).err == \
        "Error: --since-translation needs --lang LANG: which language version's source text\n"
    missing = run("diff", SID, "--lang", "ru", "--since-translation", "--repo", str(repo))
    assert (missing.code, missing.err) == (2, "Error: 'child-protection' has no ru version (statements/"
                                              "child-protection/statement.ru.md; it has fr); `accord translate "
                                              "child-protection ru` starts one\n")
    both = run("diff", SID, "--lang", "fr", "--since-translation", "--from", "HEAD", "--repo", str(repo))
    assert both.err == "Error: --from and --since-translation cannot be used together\n"
    add_french(repo, text_hash="ab" * 32)
    unknown = run("diff", SID, "--lang", "fr", "--since-translation", "--repo", str(repo))
    assert unknown.code == 2
    assert unknown.err.startswith("Error: the source text the fr version renders (translation-of abababababab) "
                                  "is in no commit of statements/child-protection/statement.md")


# -- translate ----------------------------------------------------------------------------------

def test_mark_current_records_the_source_hash_and_commits_the_version_alone(repo):
    add_french(repo)
    old = source_hash(repo)
    change_source(repo)
    new = source_hash(repo)
    (repo / FR).write_text((repo / FR).read_text("utf-8").replace("sans délai", "dans les trois jours"), "utf-8")
    write(repo / "notes.txt", "unrelated work in progress")
    result = run("translate", SID, "fr", "--mark-current", "--repo", str(repo))
    assert result.code == 0, result.err
    assert result.out.startswith(f"{FR} now renders source text {new[:12]} (was {old[:12]}); committed as ")
    assert f"translation-of: {new}\n" in (repo / FR).read_text("utf-8")
    assert git(repo, "show", "--name-only", "--format=%s", "HEAD").split("\n")[:3] == [
        f"Translation: the fr version of child-protection renders source text {new[:8]}", "", FR]
    assert "dans les trois jours" in git(repo, "show", f"HEAD:{FR}")
    assert git(repo, "status", "--porcelain").strip() == "?? notes.txt"
    assert status_json(repo)["translations"][0]["current"] is True


def test_mark_current_refuses_a_source_with_uncommitted_text_changes(repo):
    add_french(repo)
    (repo / S).write_text((repo / S).read_text("utf-8").replace("without delay", "at once"), "utf-8")
    result = run("translate", SID, "fr", "--mark-current", "--repo", str(repo))
    assert (result.code, result.err) == (2, f"Error: {S} has uncommitted changes to its text; commit them first, "
                                            "as a translation renders committed text (or pass --no-commit)\n")
    assert f"translation-of: {source_hash(repo)}" not in (repo / FR).read_text("utf-8")


def test_translate_starts_a_draft_version_and_never_overwrites_one(repo):
    result = run("translate", SID, "de", "--repo", str(repo))
    assert result.code == 0, result.err
    path = repo / "statements/child-protection/statement.de.md"
    text = path.read_text("utf-8")
    assert text.startswith("---\nid: child-protection\ntitle: \"Joint Statement on the Protection of Children\"\n"
                           f"language: de\ntranslation-of: {source_hash(repo)}\ntranslation-status: draft\n---\n")
    assert run("check", "--repo", str(repo)).code == 0
    again = run("translate", SID, "de", "--repo", str(repo))
    assert again.code == 2 and "exists already" in again.err
    assert path.read_text("utf-8") == text
    assert run("translate", SID, "en", "--repo", str(repo)).err == \
        "Error: 'child-protection' is written in en: statement.md is that version\n"


# -- build ------------------------------------------------------------------------------------

def test_build_writes_every_version_and_leaves_the_sources_documents_as_they_were(repo):
    source = repo / "build/child-protection/child-protection.html"
    assert run("build", "--format", "html", "--repo", str(repo)).code == 0
    before = source.read_bytes()
    add_french(repo)
    result = run("build", "--format", "html", "--repo", str(repo))
    assert result.code == 0, result.err
    french = (repo / "build/child-protection/child-protection.fr.html").read_text("utf-8")
    assert source.read_bytes() == before  # the source's inputs and provenance do not include its versions
    assert '<html lang="fr"' in french and "Déclaration commune sur la protection des enfants" in french
    assert f"fr translation of {source_hash(repo)[:8]}</footer>" in french
    assert run("build", "--format", "html", "--repo", str(repo)).out.startswith("unchanged child-protection")
    (repo / FR).unlink()
    assert run("build", "--format", "html", "--repo", str(repo)).code == 0
    assert not (repo / "build/child-protection/child-protection.fr.html").exists()
    assert source.read_bytes() == before


def test_a_version_that_does_not_read_stops_the_build_before_anything_is_written(repo):
    add_french(repo, extra="3. De trop.\n", commit=False)
    result = run("build", "--format", "html", "--repo", str(repo))
    assert result.code == 2
    assert f"Error: {FR}:18: paragraph 3 here is not in statement.md (statement.md has 1-2)\n" in result.err
    assert not (repo / "build").exists()


# -- the release gate ---------------------------------------------------------------------------

def test_the_release_gate_refuses_while_a_required_language_is_missing_or_stale(tmp_path):
    from helpers.release import commit, make_alliance

    root = endorsed(make_alliance(tmp_path / "alliance"))
    write(root / "accord.yaml", "organization: Test Alliance\nteam: Test Team\nrelease:\n  languages: [fr]\n")
    commit(root, "French is required")
    refused = run("release", SID, "--dry-run", "--repo", str(root))
    assert refused.code == 1
    assert ("required language fr has no version (statements/child-protection/statement.fr.md); "
            "`accord translate child-protection fr` starts one") in refused.out
    earlier = "ab" * 32
    add_french(root, text_hash=earlier)
    refused = run("release", SID, "--dry-run", "--repo", str(root))
    assert refused.code == 1
    assert f"the fr version is stale: it renders source text {earlier[:12]}, not the current " \
           f"{source_hash(root)[:12]}" in refused.out
    assert "fr version is stale" in run("status", SID, "--repo", str(root)).out
    assert run("translate", SID, "fr", "--mark-current", "--repo", str(root)).code == 0
    assert run("release", SID, "--dry-run", "--repo", str(root)).code == 0
    # The statement's own list replaces accord.yaml's: here it needs a Russian version too.
    path = root / S
    path.write_text(path.read_text("utf-8").replace("language: en\n", "language: en\nrelease-languages: [fr, ru]\n"),
                    "utf-8")
    commit(root, "Russian too")
    refused = run("release", SID, "--dry-run", "--repo", str(root))
    assert refused.code == 1 and "required language ru has no version" in refused.out
    assert "required language fr" not in refused.out


# -- the samples ------------------------------------------------------------------------------

def test_the_sample_has_three_language_versions_one_of_them_stale():
    from accord.i18n.translations import language_versions

    repo = Repo(ROOT)
    states = {v.language: (v.state, v.translation_status)
              for v in language_versions(repo, repo.load_statement("2010-child-protection"))}
    assert states == {"en": ("source", None), "fr": ("current", "checked"), "ru": ("current", "checked"),
                      "ar": ("stale", "draft")}


# -- dist/ and the site -------------------------------------------------------------------------

def test_a_release_and_the_site_carry_every_version_linked_by_hreflang(tmp_path):
    from helpers.release import make_alliance

    root = endorsed(make_alliance(tmp_path / "alliance"))
    add_french(root)
    released = run("release", SID, "--repo", str(root))
    assert released.code == 0, released.err
    folder = root / "dist" / SID / "v1"
    assert {"child-protection.pdf", "child-protection.fr.pdf", "child-protection.fr.docx",
            "child-protection.fr.html"} <= {path.name for path in folder.iterdir()}
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["translations"] == [{
        "language": "fr", "title": "Déclaration commune sur la protection des enfants",
        "translation_status": "checked", "translation_of": manifest["text_sha256"], "current": True}]
    assert "child-protection.fr.pdf" in (folder / "SHA256SUMS").read_text("utf-8")

    assert run("site", "--repo", str(root)).code == 0
    source = (root / "site/statements/child-protection.html").read_text("utf-8")
    french = (root / "site/statements/child-protection.fr.html").read_text("utf-8")
    assert '<a href="child-protection.fr.html" hreflang="fr" lang="fr"' in source
    assert '<a href="child-protection.html" hreflang="en" lang="en"' in french
    assert '<html lang="fr">' in french and "<dd>the current source text</dd>" in french
    assert (root / "site/dist/child-protection/v1/child-protection.fr.pdf").is_file()
