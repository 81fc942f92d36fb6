"""The site tests' repository: two releases of child-protection, and a statement and a partner that carry
hostile text."""

from __future__ import annotations

from pathlib import Path

from helpers.alliance import run, write
from helpers.release import SID, commit, endorse, endorsed, make_alliance

HOSTILE = "hostile-text"
PAYLOAD = "<script>window.__xss = 1</script>"
HOSTILE_STATEMENT = f"""\
---
id: {HOSTILE}
symbol: '"><script>window.__xss = 1</script>'
title: "{PAYLOAD} Statement on <b>bold</b> claims"
kind: recommendations
status: consultation
date: 2026-11-01
drafters: ["<img src=x onerror=\\"window.__xss = 1\\">"]
allow-raw: [html]
endorsement:
  invited: [iom, evil]
  required: []
  threshold: 1
---

Plain {PAYLOAD} text.

<img src=x onerror="window.__xss = 1"> and <iframe src="javascript:window.__xss = 1"></iframe>

[a javascript link](javascript:window.__xss=1), [a data link](data:text/html,{PAYLOAD}) and [a fine one](https://example.org/).

![an image](http://evil.example/pixel.png)

```{{=html}}
{PAYLOAD}
```
"""


def make_site_repo(root: Path) -> Path:
    """Two releases of child-protection (v1, then v2 on a changed text), a hostile statement and partner."""
    endorsed(make_alliance(root))
    assert run("release", SID, "--repo", str(root)).code == 0
    text = (root / f"statements/{SID}/statement.md").read_text("utf-8")
    write(root / f"statements/{SID}/statement.md",
          text.replace("status: published", "status: final").replace("without delay", "within 24 hours"))
    commit(root, "Guardians within 24 hours")
    endorse(root, "unicef")
    endorse(root, "iom")
    commit(root, "UNICEF and IOM endorse the new text")
    assert run("release", SID, "--repo", str(root)).code == 0
    write(root / "partners" / "evil.yaml",
          f"id: evil\nname: '{PAYLOAD} Evil <img src=x onerror=\"window.__xss = 1\"> Org'\n"
          "short: '<i>EVIL</i>'\nkind: ngo\n")
    write(root / f"statements/{HOSTILE}/statement.md", HOSTILE_STATEMENT)
    commit(root, "A hostile statement and partner")
    endorse(root, "evil", "endorse-with-reservations", statement_id=HOSTILE,
            reservations=(f"{PAYLOAD} <a href=\"javascript:window.__xss=1\">click</a>",), signatory=PAYLOAD)
    commit(root, "The hostile partner endorses")
    return root
