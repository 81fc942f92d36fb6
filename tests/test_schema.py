"""One declaration per data type: dataclass fields carry their schema; renamed fields still read, with a warning."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from accord.errors import ReleaseError
from accord.ledger.records import RECORD, Record
from accord.release import Release, read_manifest
from accord.schema import build, field, schema_of
from accord.yamlio import load_yaml


@dataclass(frozen=True)
class Letter:
    schema_name = "letter"

    sender: str = field("slug", "Who sent it.", required=True, renamed_from=("from",))
    pages: int = field("int", "How long it is.", minimum=1, default=1)


def test_a_dataclass_is_its_schema_in_declaration_order_with_its_docs():
    assert [(f.key, f.type, f.required) for f in schema_of(Letter).fields] == [
        ("sender", "slug", True), ("pages", "int", False)]
    assert [f.key for f in RECORD.fields] == [
        "statement", "partner", "position", "text_sha256", "commit", "signatory", "recorded_by", "recorded_at",
        "date", "reason", "unregistered_signatory", "reservations", "evidence", "supersedes"]
    assert "path" not in RECORD.keys() and "path" in Record.__dataclass_fields__


def test_a_renamed_field_is_read_under_its_old_key_with_a_deprecation_warning():
    data = load_yaml("from: unicef\npages: 2\n")
    with pytest.warns(DeprecationWarning, match="letter.yaml: 'from' in letter is now called 'sender'"):
        values, problems = schema_of(Letter).validate(data, "letter.yaml")
    assert (problems, build(Letter, values)) == ([], Letter("unicef", 2))


def test_a_bad_value_under_the_old_key_is_reported_on_its_line():
    data = load_yaml("pages: 2\nfrom: Not A Slug\n")
    with pytest.warns(DeprecationWarning):
        _, problems = schema_of(Letter).validate(data, "letter.yaml")
    assert [str(p) for p in problems] == [
        "letter.yaml:2: 'sender' is not a valid id: 'Not A Slug' (use a-z, 0-9 and '-', 2 to 63 characters)"]


MANIFEST = {"statement": "child-protection", "version": 1, "tag": "child-protection/v1", "commit": "a" * 40,
            "published": "2026-11-30", "title": "Joint Statement", "symbol": None, "text_sha256": "b" * 64,
            "endorsers": [{"partner": "unicef", "name": "United Nations Children's Fund", "short": "UNICEF",
                           "position": "endorse-with-reservations", "signatory": "A, Director",
                           "reservations": [{"paragraph": "4", "text": "On guardians."}]}],
            "files": [{"name": "child-protection.pdf", "sha256": "c" * 64, "bytes": 10}]}


def test_a_release_manifest_is_read_with_its_schema_and_written_back_the_same(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps(MANIFEST))
    release = read_manifest(tmp_path / "manifest.json", "dist/child-protection/v1/manifest.json")
    assert isinstance(release, Release) and release.folder == tmp_path
    assert release.manifest() == MANIFEST


@pytest.mark.parametrize(("change", "message"), [
    ({"version": "one"}, "'version' must be a whole number, found 'one'"),
    ({"endorsers": [{**MANIFEST["endorsers"][0], "position": "object"}]},
     "'position' must be one of endorse, endorse-with-reservations, no-objection; found 'object' (did you mean 'no-objection'?)"),
    ({"files": [{"name": "../outside.pdf", "sha256": "c" * 64, "bytes": 10}]},
     "release manifest names a file outside its folder: '../outside.pdf'"),
])
def test_a_release_manifest_that_breaks_its_schema_is_refused_in_one_line(tmp_path, change, message):
    (tmp_path / "manifest.json").write_text(json.dumps({**MANIFEST, **change}))
    with pytest.raises(ReleaseError) as caught:
        read_manifest(tmp_path / "manifest.json", "dist/child-protection/v1/manifest.json")
    assert str(caught.value).startswith("dist/child-protection/v1/manifest.json: ")
    assert str(caught.value).endswith(message)
