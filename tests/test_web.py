"""accord.web: the Jinja2 environment every page is rendered with, and the allowlist sanitizer for a statement's
HTML (each sanitizer test performs an attack that a blocklist let through, or one of the classic ones, and
checks exactly what is left)."""

from __future__ import annotations

import pytest

from jinja2 import UndefinedError

from accord.web import Markup, environment, sanitize_html


def test_templates_escape_every_value_as_html_escape_does():
    template = environment().from_string('<p title="{{ value }}">{{ value }}</p>{{ safe }}')
    assert template.render(value="<b>'s\" & x", safe=Markup("<br>")) == (
        '<p title="&lt;b&gt;&#x27;s&quot; &amp; x">&lt;b&gt;&#x27;s&quot; &amp; x</p><br>')


def test_a_value_a_template_does_not_get_is_an_error_not_an_empty_string():
    with pytest.raises(UndefinedError):
        environment().from_string("{{ missing }}").render()


def test_oneline_joins_the_template_lines_between_tags_and_nothing_else():
    template = environment().from_string(
        "<div>\n{% oneline %}\n<ul>\n  {% for x in items %}\n  <li>{{ x }} and\n  more</li>\n"
        "  {% endfor %}\n</ul>\n{% endoneline %}\n</div>\n")
    assert template.render(items=["a\nb"]) == "<div>\n<ul><li>a\nb and\n  more</li></ul></div>\n"

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


def test_the_official_page_keeps_pandocs_layout_styles_and_no_other():
    fragment = ('<table><colgroup><col style="width: 12%"></colgroup><tbody><tr><td style="text-align: left;">c</td>'
                '<td style="text-align: left; background: url(https://evil.example/)">d</td></tr></tbody></table>'
                '<img src="data:image/png;base64,AA" style="width:50.0%;height:2in" width="300" alt="a">'
                '<img src="data:image/png;base64,AA" style="width:expression(alert(1))" alt="b">')
    assert sanitize_html(fragment, layout=True) == (
        '<table><colgroup><col style="width: 12%"></colgroup><tbody><tr><td style="text-align: left;">c</td>'
        '<td>d</td></tr></tbody></table><img src="data:image/png;base64,AA" style="width:50.0%;height:2in" '
        'width="300" alt="a"><img src="data:image/png;base64,AA" alt="b">')


def test_text_that_looks_like_markup_stays_text():
    assert sanitize_html("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; it's \"so\"</p>") == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; it's \"so\"</p>")


def test_the_official_html_reads_only_the_parts_marked_with_its_own_nonce():
    from accord.render.html import read_parts

    output = ("<!--0000:draft-->true<!--0000--><!--n0nce:title-->A <em>title</em><!--n0nce-->"
              "<!--n0nce:body--><p onclick=x>Text <!--0000:draft-->true<!--0000--></p><!--n0nce-->"
              "<!--n0nce:signatories--><!--n0nce--><!--n0nce:signatories.name-->UNICEF<!--n0nce-->"
              "<!--n0nce:reservation--><!--n0nce--><!--n0nce:reservation.paragraph-->2<!--n0nce-->"
              "<!--n0nce:reservation.text-->Age<!--n0nce-->")
    parts = read_parts(output, "n0nce")
    assert (parts["draft"], parts["title"], parts["body"]) == (None, "A <em>title</em>", "<p>Text true</p>")
    assert parts["signatories"] == [{"name": "UNICEF", "reservations": [{"paragraph": "2", "text": "Age"}]}]
