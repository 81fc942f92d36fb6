"""The allowlist sanitizer for HTML that comes from a statement (nh3, i.e. ammonia/html5ever).

What pandoc makes of a statement's Markdown, and raw HTML where the statement's
`allow-raw` lets it in, is text a drafter wrote: it may carry script in any of the
forms a browser runs (`<script>`, `on*` handlers, `javascript:` in `href`, `srcset`,
SVG's `<animate values>`, `style` with `url(...)`, `data:` documents). A blocklist
misses the next one; this keeps only the elements and attributes pandoc's HTML writer
uses for text, and only link targets that open a page or a mail program.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markupsafe import Markup

# What pandoc's html5 writer produces for text, tables, figures, footnotes and labels.
TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var", "wbr",
})
# Dropped with everything inside them: their content is code or a document, never text to show.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript", "frame",
                                  "frameset", "svg", "math", "textarea", "select", "xmp", "noembed", "noframes"})
ATTRIBUTES = {
    "*": {"id", "class", "role", "lang", "dir", "title"},
    "a": {"href", "tabindex"},  # pandoc's highlighted code: a line anchor out of the tab order
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
}
# pandoc writes `{key=value}` attributes as data-key; labels and footnotes use aria-*.
ATTRIBUTE_PREFIXES = frozenset({"data-", "aria-"})
URL_SCHEMES = frozenset({"http", "https", "mailto", "data"})  # data: for an image's src only, see _attribute
# An image shows only when it is inside the page: a remote one would tell its server who reads the text.
# (An SVG shown by <img> runs no script.)
IMAGE_TYPES = ("data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp", "data:image/svg+xml")
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
# The only inline styles pandoc writes: a table's column widths and cell alignment, an image's size.
LAYOUT_ATTRIBUTES = {"col": {"style"}, "th": {"style"}, "td": {"style"}, "img": {"style"}}
_LAYOUT_STYLE = re.compile(r"width: [0-9]{1,3}(\.[0-9]{1,4})?%|text-align: (left|right|center|justify);")
_IMAGE_SIZE = re.compile(r"(?:(?:width|height):[0-9]{1,5}(?:\.[0-9]{1,4})?(?:%|px|in|cm|mm|em|ex|pt|pc)?;?){1,2}")
# What a browser's URL parser skips before it reads a scheme: `da\nta:` is data:.
_IGNORED_IN_URLS = dict.fromkeys(range(0x21))


def _attribute(element: str, attribute: str, value: str) -> str | None:
    """data: URLs only as an image's src, and of an image type (ammonia checks every other scheme);
    a style only as pandoc writes a table's layout."""
    if attribute == "style":
        layout = _IMAGE_SIZE if element == "img" else _LAYOUT_STYLE
        return value if layout.fullmatch(value) else None
    if attribute not in _URL_ATTRIBUTES:
        return value
    compact = value.translate(_IGNORED_IN_URLS).lower()
    if element == "img" and attribute == "src":
        return value if compact.startswith(IMAGE_TYPES) else None
    return None if compact.startswith("data:") else value


@lru_cache(maxsize=2)
def _cleaner(layout: bool) -> nh3.Cleaner:
    attributes = {tag: set(names) for tag, names in ATTRIBUTES.items()}
    if layout:
        for tag, names in LAYOUT_ATTRIBUTES.items():
            attributes[tag] = attributes.get(tag, set()) | names
    return nh3.Cleaner(tags=set(TAGS), clean_content_tags=set(DROPPED_WITH_CONTENT), attributes=attributes,
                       attribute_filter=_attribute, strip_comments=True, link_rel=None,
                       generic_attribute_prefixes=set(ATTRIBUTE_PREFIXES), url_schemes=set(URL_SCHEMES))


def sanitize_html(fragment: str, *, layout: bool = False) -> Markup:
    """A statement's HTML with everything outside the allowlist removed, ready to insert into a page.

    Elements outside it lose their tags but keep their text (escaped), except script-like
    ones, which go with their content; attributes outside it go, and so does a URL of any
    scheme but http, https and mailto (a relative link or a fragment stays). With `layout`,
    pandoc's layout (a table's column widths and alignment, an image's size) stays: the official page allows
    inline styles, the site's Content-Security-Policy does not, so the site drops them.
    """
    return Markup(_cleaner(layout).clean(fragment))
