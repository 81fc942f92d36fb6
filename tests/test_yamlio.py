"""The YAML line reader gives exactly the parser's tree (values, types, lines), or leaves the text to the parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from accord.statement import split_front_matter
from accord.yamlio import LineDict, LineList, YAMLProblem, load_plain_yaml, load_yaml, parse_yaml


def shape(value):
    """A parsed tree as plain data with every class and line, so that two trees compare in full."""
    if isinstance(value, LineDict):
        return ("map", value.line, [(type(k).__name__, k, value.key_lines[k], shape(v)) for k, v in value.items()])
    if isinstance(value, LineList):
        return ("list", value.line, value.item_lines, [shape(item) for item in value])
    return (type(value).__name__, value)


def parsed(text: str, offset: int, reader=parse_yaml):
    try:
        return shape(reader(text, offset))
    except YAMLProblem as problem:
        return ("problem", problem.message, problem.line)


# Words chosen to sit on every edge the parser draws: types (null, bool, int, octal, float, dates), YAML 1.1
# words, indicators at the start and inside, quotes, comment marks, colons, brackets, non-ASCII and spaces.
WORDS = ["unicef", "Ana Pereira", "O'Donovan", "Zsófia Kertész", "حماية", "中文", "null", "Null", "~", "true", "False",
         "yes", "no", "on", "0", "5", "05", "0x1F", "1_000", "+5", "-5", "1.5", ".inf", "1e3", "2026-11-28",
         "2010-13-45", "12:30", "a:b", "a: b", "a #b", "a#b", "#x", "-x", "- x", "?x", "&a", "*a", "!x", "|", ">", "%x",
         "@x", "`x", "'q'", "'it''s'", "'open", '"dq"', '"a\\tb"', "[x]", "x]", "{}", "[]", "a, b", "a  b", "a,b",
         "=", "<<", "x:", "A/JS/2010/1", "L/1/0", "ssh-ed25519 AAAA", "\xa0x", "x\u2028y", "x\ty", "x\x85y",
         "\ufeffx", "e\u0301"]
KEYS = ["id", "title", "short-title", "a_b", "x", "true", "null", "True", "yes", "NULL", "on", "n", "k1"]

word = st.sampled_from(WORDS)
key = st.sampled_from(KEYS)
space = st.sampled_from(["", "", " ", "  "])


def flow(words):
    return "[" + ",".join(f"{s}{w}{s}" for s, w in words) + "]"


flow_list = st.lists(st.tuples(space, word), max_size=4).map(flow)
value = st.one_of(word, word, flow_list)
line = st.one_of(
    st.tuples(key, value).map(lambda kv: f"{kv[0]}: {kv[1]}"),
    st.tuples(st.sampled_from([2, 4]), key, value).map(lambda t: f"{' ' * t[0]}{t[1]}: {t[2]}"),
    st.tuples(st.sampled_from([0, 2, 4]), word).map(lambda t: f"{' ' * t[0]}- {t[1]}"),
    st.tuples(st.sampled_from([0, 2]), key, word).map(lambda t: f"{' ' * t[0]}- {t[1]}: {t[2]}"),
    key.map(lambda k: f"{k}:"),
    st.sampled_from(["", "# a comment", "  # indented comment", "---", "...", "  ", "key:value", "'q': 1", "? x"]),
)
documents = st.lists(st.tuples(line, space), min_size=1, max_size=8).map(
    lambda lines: "\n".join(text + trailing for text, trailing in lines) + "\n")


@settings(max_examples=300, deadline=None)
@given(text=documents, offset=st.sampled_from([0, 1]))
def test_the_line_reader_gives_the_parsers_tree_or_leaves_the_text_to_it(text, offset):
    plain = load_plain_yaml(text, offset)
    if plain is not None:
        assert shape(plain) == parsed(text, offset)
    assert parsed(text, offset, load_yaml) == parsed(text, offset)
    # without lines (the ledger's records): the same tree, or the same refusal, in plain dicts and lists
    bare = load_plain_yaml(text, offset, lines=False)
    assert bare == plain and (bare is None) == (plain is None)
    assert bare is None or only_dicts_and_lists(bare)


def only_dicts_and_lists(value) -> bool:
    if isinstance(value, (dict, list)):
        values = value.values() if isinstance(value, dict) else value
        return type(value) in (dict, list) and all(only_dicts_and_lists(item) for item in values)
    return True


PLAIN = [
    # a statement's front matter as the samples and `accord new` write it
    "id: 2010-child-protection\nsymbol: AECT/JS/2010/1\ntitle: Joint Statement on Children, in particular Migrants\n"
    "kind: joint-statement\nstatus: final\ndate: 2010-10-18\nlanguage: en\n"
    "drafters: [Nadia Benslimane, Ciarán O'Donovan]\nendorsement:\n  invited: [unodc, unhcr, unicef]\n"
    "  required: [unicef]\n  threshold: 5\nnumbered-paragraphs: true\nversion: 1\n",
    "# a comment first\nid: x1\ndrafters: []\nendorsement:\n  invited: []\n  required: []\n  threshold: 1\n",
    # a partner as partners/ holds it
    "id: unicef\nname: United Nations Children's Fund\nshort: UNICEF\nkind: igo\nsigners:\n  - name: Jane Doe\n"
    "    title: Chief, Child Protection\n    principal: jane.doe@unicef.example\n  - name: John Roe\n",
    "drafters:\n- Ana\n- Ben\nlanguage: ar\n",
]


@pytest.mark.parametrize("text", PLAIN)
def test_the_line_reader_takes_the_shapes_accord_writes(text):
    assert load_plain_yaml(text, 1) is not None
    assert shape(load_plain_yaml(text, 1)) == parsed(text, 1)


def test_the_samples_front_matter_reads_as_the_parser_reads_it():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    files = [*root.glob("statements/*/statement*.md"), *root.glob("templates/statements/*.md"),
             *root.glob("partners/*.yaml"), root / "accord.yaml"]
    read = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        front = split_front_matter(text)
        yaml_text, offset = (front[0], 1) if front else (text, 0)
        plain = load_plain_yaml(yaml_text, offset)
        if plain is not None:
            read += 1
            assert shape(plain) == parsed(yaml_text, offset), path
    # all but the skeletons' {{placeholders}} and accord.yaml's trailing comment are in a plain shape
    assert read == len(files) - 3


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(alphabet="0123456789+-._:<=abcdefxinINFAtTrueNlos~ ", min_size=1, max_size=12),
                      st.text(alphabet="0123456789abcdef", min_size=1, max_size=64),
                      st.text(alphabet="0b1x2f_+-", min_size=1, max_size=8),
                      st.sampled_from(WORDS)))
def test_the_line_reader_types_a_plain_word_as_the_parsers_resolver_table_does(text):
    import yaml

    from accord.yamlio import NotPlain, plain_scalar
    from accord.yamlparser import _Loader

    text = text.strip() or "x"
    tag = _Loader.resolve(_Loader, yaml.ScalarNode, text, (True, False)).rsplit(":", 1)[-1]
    try:
        value = plain_scalar(text)
    except NotPlain:
        return  # left to the parser
    if isinstance(value, (list, dict)) or text[0] in "'\"":
        return  # [] and {}, and quoted text: not a plain word
    assert tag == {str: "str", bool: "bool", int: "int", type(None): "null"}[type(value)]
    if tag == "int":
        assert value == int(text)
