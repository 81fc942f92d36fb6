"""Long blocks: the word diff of a block too long for diff-match-patch alone is anchored first, and stays exact.

Exactness is checked as a user would see it: the equal and deleted words give the
older block back, the equal and inserted words the newer one; the DOCX redline
accepted gives the newer text and rejected the older, both as its own in-process
self-check reads the XML and as pandoc reads it.
"""

from __future__ import annotations

import random

from diff_match_patch import diff_match_patch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.redline import apply_criticmarkup, compare, render_docx, render_markdown
from accord.textdiff import engine as words_module
from accord.redline.blocks import SPACE, word_token
from accord.ooxml.revisions import resolved_words
from helpers.pandoc_reads import docx_read, docx_words, markdown_read, read_many
from helpers.pandoc_reads import document as parsed
from accord.textdiff import DELETE, EQUAL, INSERT, diff_tokens

SENTENCES = [
    "States should appoint a qualified guardian for every unaccompanied child without delay.",
    "Guardians should be independent of the authorities responsible for migration decisions.",
    "Detention of children is never in their best interests.",
    "Every child has the right to be heard in all decisions that affect them.",
    "Age assessment should be a last resort, multidisciplinary and respectful of the child.",
    "Data on children on the move should be collected, disaggregated and protected.",
]
VOCABULARY = "child guardian State border protection care never review appeal data family school".split()


def tokens_of(text: str) -> tuple:
    out = []
    for index, word in enumerate(text.split()):
        if index:
            out.append(SPACE)
        out.append(word_token(word))
    return tuple(out)


def sides(script) -> tuple[tuple, tuple]:
    old = tuple(t for op, old_part, _ in script if op != INSERT for t in old_part)
    new = tuple(t for op, _, new_part in script if op != DELETE for t in new_part)
    return old, new


def changed_words(script) -> int:
    return sum(1 for op, old_part, new_part in script if op != EQUAL
               for t in (old_part if op == DELETE else new_part) if t.is_word)


def edit(words: list[str], rng: random.Random, share: float) -> list[str]:
    out = []
    for word in words:
        roll = rng.random()
        if roll < share * 0.6:
            out.append(rng.choice(VOCABULARY))
        elif roll < share * 0.8:
            out += [word, rng.choice(VOCABULARY)]
        elif roll >= share:
            out.append(word)
    return out


long_texts = st.tuples(
    st.lists(st.integers(0, len(SENTENCES) - 1), min_size=60, max_size=160),     # sentences, repeating
    st.lists(st.tuples(st.sampled_from(["replace", "insert", "delete", "drop-sentence", "repeat-sentence"]),
                       st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=40))


def make_pair(choice) -> tuple[str, str]:
    picks, edits = choice
    sentences = [SENTENCES[i].split() for i in picks]
    new = [list(s) for s in sentences]
    for kind, a, b in edits:
        if kind == "drop-sentence" and len(new) > 1:
            del new[a % len(new)]
        elif kind == "repeat-sentence":
            new.insert(b % (len(new) + 1), list(new[a % len(new)]))
        else:
            sentence = new[a % len(new)]
            at = b % len(sentence)
            if kind == "replace":
                sentence[at] = VOCABULARY[b % len(VOCABULARY)]
            elif kind == "insert":
                sentence.insert(at, VOCABULARY[a % len(VOCABULARY)])
            elif len(sentence) > 1:
                del sentence[at]
    return " ".join(w for s in sentences for w in s), " ".join(w for s in new for w in s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(long_texts)
def test_an_anchored_word_diff_of_a_long_block_with_repeated_sentences_gives_back_both_sides(choice):
    old_text, new_text = make_pair(choice)
    old, new = tokens_of(old_text), tokens_of(new_text)
    assert len(old) * len(new) > words_module._DIRECT_CELLS  # the anchored path, not diff-match-patch alone
    assert sides(diff_tokens(old, new)) == (old, new)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(long_texts)
def test_the_docx_redline_of_a_long_block_accepted_gives_the_new_words_and_rejected_the_old(choice):
    old_text, new_text = make_pair(choice)
    redline = compare(old_text + "\n", new_text + "\n", old_title="T", new_title="T")
    data = render_docx(redline, author="Ana Pereira", date="2026-01-05T10:00:00Z", verify=False)
    marked = render_markdown(redline)
    # pandoc's four reads (the DOCX accepted and rejected, the CriticMarkup applied and rejected) in one process
    asts = read_many([docx_read(data, "accept"), docx_read(data, "reject"),
                      markdown_read(apply_criticmarkup(marked, accept=True)),
                      markdown_read(apply_criticmarkup(marked, accept=False))])
    for mode, document, ast in (("accept", redline.new, asts[0]), ("reject", redline.old, asts[1])):
        assert resolved_words(data, mode) == document.words()
        assert docx_words(ast) == document.words()
    assert parsed(asts[2]).words()[1:] == redline.new.words()[1:]
    assert parsed(asts[3]).words()[1:] == redline.old.words()[1:]


def test_a_long_paragraph_gets_within_5_percent_as_few_changed_words_as_from_diff_match_patch_alone(monkeypatch):
    """diff-match-patch alone finds the shortest edit script; anchors may cost a little of it where a
    run of words is shared by chance (this text has a 26-word vocabulary), and semantic cleanup may
    then merge differently."""
    rng = random.Random(18)
    old_words = [rng.choice(VOCABULARY + SENTENCES[0].split()) for _ in range(1500)]
    for share in (0.05, 0.2, 0.6):
        old, new = tokens_of(" ".join(old_words)), tokens_of(" ".join(edit(old_words, rng, share)))
        anchored = diff_tokens(old, new)
        monkeypatch.setattr(words_module, "_DIRECT_CELLS", 10 ** 12)
        whole = diff_tokens(old, new)
        monkeypatch.undo()
        assert sides(anchored) == (old, new)
        assert changed_words(anchored) <= 1.05 * changed_words(whole), share


def test_a_20000_word_paragraph_with_60_percent_changed_is_never_handed_whole_to_diff_match_patch(monkeypatch):
    rng = random.Random(2026)
    old_words = [rng.choice(VOCABULARY + SENTENCES[1].split()) for _ in range(20_000)]
    old, new = tokens_of(" ".join(old_words)), tokens_of(" ".join(edit(old_words, rng, 0.6)))
    calls: list[tuple[int, int]] = []
    real = diff_match_patch.diff_main

    def counted(self, text1, text2, checklines=True, deadline=None):
        if deadline is None:  # diff-match-patch calls itself with a deadline; count only the first call
            calls.append((len(text1), len(text2)))
        return real(self, text1, text2, checklines, deadline)

    monkeypatch.setattr(diff_match_patch, "diff_main", counted)
    script = diff_tokens(old, new)
    assert sides(script) == (old, new)
    words = len(old_words)
    assert max(a * b for a, b in calls) <= words_module._DIRECT_CELLS
    assert sum(a * b for a, b in calls) <= 4 * words * words_module._WINDOW     # near-linear, not 20,000²


def test_a_long_block_with_nothing_in_common_is_deleted_and_inserted_whole():
    old = tokens_of(" ".join(f"old{n % 40}" for n in range(3000)))
    new = tokens_of(" ".join(f"new{n % 40}" for n in range(3000)))
    script = diff_tokens(old, new)
    assert [op for op, _, _ in script] == [DELETE, INSERT]
    assert sides(script) == (old, new)


def test_the_self_check_refuses_a_docx_whose_insertions_were_written_untracked(monkeypatch):
    """The in-process check reads w:ins as Word does: an insertion that lost its w:ins wrapper
    stays when every change is rejected, so the older text does not come back."""
    import pytest

    from accord.errors import RedlineError
    from accord.ooxml.ns import w
    from accord.redline import docx as docx_module

    real = docx_module.finish_revisions

    def untrack_insertions(package, **kwargs):
        real(package, **kwargs)
        for insertion in list(package.edit("word/document.xml").iter(w("ins"))):
            paragraph = insertion.getparent()
            if paragraph.tag == w("p"):
                for run in list(insertion):
                    insertion.addprevious(run)
                paragraph.remove(insertion)

    monkeypatch.setattr(docx_module, "finish_revisions", untrack_insertions)
    redline = compare("One two three.\n", "One two four.\n", old_title="T", new_title="T")
    with pytest.raises(RedlineError) as failure:
        render_docx(redline, author="Ana Pereira", date="2026-01-05T10:00:00Z")
    assert str(failure.value) == ("the DOCX redline failed its self-check: rejecting all changes does not give the "
                                  "older text (word 4: found 'threefour.', expected 'three.'); nothing was written")


def test_one_sentence_repeated_300_times_with_three_words_changed_shows_just_those_three():
    """No run of words occurs once in the older block, so nothing anchors: the block is diffed in windows."""
    sentence = SENTENCES[0].split()
    old_words = sentence * 300
    new_words = list(old_words)
    for at in (700, 2100, 3500):
        new_words[at] = "promptly"
    old, new = tokens_of(" ".join(old_words)), tokens_of(" ".join(new_words))
    assert not words_module._anchors("".join(chr(0xE000 + sentence.index(w)) for w in old_words),
                                     "".join(chr(0xE000 + sentence.index(w)) if w in sentence else "x"
                                             for w in new_words))
    script = diff_tokens(old, new)
    assert sides(script) == (old, new)
    assert [t.text for op, _, new_part in script if op == INSERT for t in new_part if t.is_word] == ["promptly"] * 3
    assert changed_words(script) == 6
