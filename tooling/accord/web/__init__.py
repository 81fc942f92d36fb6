"""HTML made one way: the Jinja2 templates of every page accord writes, and the sanitizer for a statement's HTML.

`environment()` loads the templates in `web/templates/` (site, redline, compilation) and, under
the prefix `portal/`, the portal's own in `portal/templates/`, with autoescape on: a value becomes HTML only as `markupsafe.Markup`,
which templates make, and `sanitize_html()` makes of a statement's own HTML.

Two settings keep the pages what they were before templates made them:

- Values are escaped as `html.escape` escapes them (`&quot;`, `&#x27;`), not as markupsafe
  does (`&#34;`, `&#39;`): same page in a browser, same bytes on disk.
- Between `{% oneline %}` and `{% endoneline %}` a line break and the indentation after it
  are removed where they stand between a tag and a tag (`>`, `}` before; `<`, `{` after), and so
  is the white space at the block's two ends (and the line break after `{% endoneline %}`,
  as trim_blocks does after a block tag), so
  a template can be written readably and still make the compact markup the tests and
  sample pages hold. Text that must keep a space says so: `{{ " " }}`.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, StrictUndefined
from jinja2.ext import Extension
from markupsafe import Markup

from .sanitize import sanitize_html

__all__ = ["Markup", "environment", "render", "sanitize_html"]

_ONELINE = re.compile(r"\{%-?\s*oneline\s*-?%\}(.*?)\{%-?\s*endoneline\s*-?%\}\n?", re.DOTALL)
_BETWEEN_TAGS = re.compile(r"(?<=[>}])\n[ \t]*(?=[<{])")


class OneLine(Extension):
    """`{% oneline %}...{% endoneline %}`: the template's own line breaks between tags removed (see the module)."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _ONELINE.sub(lambda match: _BETWEEN_TAGS.sub("", match.group(1).strip()), source)


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Markup) or hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The one Jinja2 environment: templates from accord/web/templates (and portal/... from the portal's folder),
    autoescape on, undefined names an error."""
    # the portal's folder is named, not imported: loading accord.portal would import starlette
    portal = FileSystemLoader(str(Path(__file__).parent.parent / "portal" / "templates"))
    loader = ChoiceLoader([PackageLoader("accord.web", "templates"), PrefixLoader({"portal": portal})])
    return Environment(loader=loader, autoescape=True, undefined=StrictUndefined,
                       finalize=_finalize, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                       extensions=[OneLine], auto_reload=False)


def render(template: str, **values: Any) -> str:
    """The template (a path under web/templates, or portal/NAME) rendered with values."""
    return environment().get_template(template).render(**values)
