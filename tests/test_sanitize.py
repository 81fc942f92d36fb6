"""The allowlist sanitizer for a statement's HTML (accord.web.sanitize_html): each test performs an attack
that a blocklist let through, or one of the classic ones, and checks exactly what is left."""

from __future__ import annotations

import pytest

from accord.web import sanitize_html

ATTACKS = {
    "svg animate javascript": ('<svg><animate attributeName="href" values="javascript:alert(1)"/>'
                               '<a><text>x</text></a></svg>after', "after"),
    "srcset javascript": ('<img srcset="javascript:alert(1) 1x" src="data:image/png;base64,AAAA" alt="a">',
                          '<img src="data:image/png;base64,AAAA" alt="a">'),
    "event handlers": ('<p onclick="alert(1)" onmouseover=alert(1)>hi</p><details open ontoggle=alert(1)>'
                       '<summary>s</summary></details>', "<p>hi</p><details><summary>s</summary></details>"),
    "style url javascript": ('<p style="background:url(javascript:alert(1))">styled</p>', "<p>styled</p>"),
    "data: document link": ('<a href="data:text/html,<script>alert(1)</script>">d</a><a href="da\nta:text/html,x">e</a>',
                            "<a>d</a><a>e</a>"),
    "data: not an image": ('<img src="data:text/html;base64,AAAA" alt="h">', '<img alt="h">'),
    "javascript in disguise": ('<a href="JaVaScRiPt:alert(1)">j</a><a href=" java&#x09;script:alert(1)">k</a>'
                               '<a href="java\nscript:alert(1)">l</a><a href="vbscript:x">v</a>',
                               "<a>j</a><a>k</a><a>l</a><a>v</a>"),
    "xlink href": ('<a xlink:href="javascript:alert(1)">x</a>', "<a>x</a>"),
    "mathml mutation": ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", ""),
    "frames and plugins": ('<iframe srcdoc="<script>alert(1)</script>"></iframe><object data="x.swf"></object>'
                           "<embed src=x>", ""),
    "document-wide tags": ('<base href="javascript:/"><meta http-equiv="refresh" content="0;url=javascript:x">'
                           '<link rel=stylesheet href=x>', ""),
    "forms": ('<form action="javascript:x"><button formaction="javascript:x">b</button><input value=1></form>', "b"),
    "script in a comment": ("<!-- --><script>alert(1)</script><!-- -->text", "text"),
    "remote image": ('<img src="http://evil.example/p.png" alt="pixel">', '<img alt="pixel">'),
    "media with handlers": ("<video><source onerror=alert(1)></video><audio src=x onerror=alert(1)>", ""),
}


@pytest.mark.parametrize("name", ATTACKS)
def test_an_attack_leaves_only_harmless_html(name):
    attack, left = ATTACKS[name]
    assert sanitize_html(attack) == left


def test_what_pandoc_writes_for_a_text_is_kept_as_it_is():
    fragment = ('<h2 id="text-scope">Scope</h2>\n<div class="para" id="text-para-10"><p><span class="label">10.</span>'
                ' States <em>should</em> see <a href="#text-scope">scope</a>, <a href="https://example.org/a?b=1&amp;c=2">'
                'the law</a><a href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref"><sup>1</sup></a>.</p></div>\n'
                '<ol start="3" type="a">\n<li><code>x &lt; 1</code></li>\n</ol>\n<table>\n<thead>\n<tr>\n<th>A</th>\n'
                '</tr>\n</thead>\n<tbody>\n<tr>\n<td colspan="2">b</td>\n</tr>\n</tbody>\n</table>\n'
                '<section id="footnotes" class="footnotes footnotes-end-of-document" role="doc-endnotes">\n<ol>\n'
                '<li id="fn1"><p>A note.<a href="#fnref1" class="footnote-back" role="doc-backlink">↩︎</a></p></li>\n'
                "</ol>\n</section>\n")
    assert sanitize_html(fragment) == fragment


def test_pandoc_table_alignment_styles_are_dropped_with_every_other_style():
    assert sanitize_html('<table><tr><td style="text-align: left;" colspan="2">c</td></tr></table>') == (
        '<table><tbody><tr><td colspan="2">c</td></tr></tbody></table>')


def test_text_that_looks_like_markup_stays_text():
    assert sanitize_html("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; it's \"so\"</p>") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; it's \"so\"</p>")
