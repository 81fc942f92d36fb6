"""The one comparison engine: word diffs, block alignment and similarity, for every part of accord.

    diff_tokens(old, new)     -> [(op, old tokens, new tokens)]   the word diff of one block (words.py)
    align(old, new)           -> [(i, j, move)]                    block alignment with moves (blocks.py)
    pair_blocks(old, new)     -> [(i, j)]                          the same, for blocks of Markdown text
    similarity(a, b)          -> float                             Dice coefficient of two blocks' words
    opcodes(a, b), Matcher                                         difflib's interface over the engine

The redline, the review import and merge, the rounds and the compilation all
compare through these; diff-match-patch (engine.py) runs underneath, bounded for
long inputs.
"""

from .blocks import PAIR_THRESHOLD, TextBlock, align, pair_blocks, similarity
from .engine import DELETE, EQUAL, INSERT, Matcher, opcodes
from .words import diff_tokens

__all__ = ["DELETE", "EQUAL", "INSERT", "PAIR_THRESHOLD", "Matcher", "TextBlock", "align", "diff_tokens", "opcodes",
           "pair_blocks", "similarity"]
