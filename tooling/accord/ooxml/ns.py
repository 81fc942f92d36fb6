"""The WordprocessingML namespace and `w()`, the Clark name of a w: element or attribute (no heavy imports)."""

from __future__ import annotations

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def w(tag: str) -> str:
    """The Clark name of a w: element or attribute: w("p") == "{...wordprocessingml/2006/main}p"."""
    return f"{{{W_NS}}}{tag}"
