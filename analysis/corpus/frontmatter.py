"""Split and read YAML front matter (Hexo, Jekyll) at the top of a document.

YAML anchors and aliases let 458 bytes stand for a billion strings ("billion
laughs"): libyaml parses them as shared references, safely, but any code that
then walks or prints the value expands them. Every field is therefore measured
as it would expand (:func:`expanded_size`, linear in the parsed nodes), and a
field larger than :data:`MAX_FIELD_NODES` values or :data:`MAX_FIELD_CHARS`
characters, or one that contains itself, is dropped with a warning before any
string work.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

__all__ = ["FrontMatter", "MAX_FIELD_CHARS", "MAX_FIELD_NODES", "expanded_size",
           "split_front_matter", "parse_title"]

MAX_FIELD_NODES = 10_000
"""Most values (list items, mapping keys and values) one front matter field may expand to."""
MAX_FIELD_CHARS = 1_000_000
"""Most characters one front matter field may expand to."""

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


@lru_cache(maxsize=4)
def _tolerant(base: type) -> type:
    """Return a loader like ``base`` that keeps an impossible date (2020-13-45) as text."""
    def timestamp(loader: Any, node: Any) -> Any:
        try:
            return base.construct_yaml_timestamp(loader, node)
        except (ValueError, OverflowError):
            return loader.construct_scalar(node)

    loader = type(f"Tolerant{base.__name__}", (base,), {})
    loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    return loader


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
        loaded = yaml.load(block, Loader=_tolerant(SAFE_LOADER))  # noqa: S506 (a safe loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        out.warnings.append(f"invalid YAML front matter{where}: read line by line instead")
        loaded = _fallback_fields(block)
    except (ValueError, TypeError, OverflowError, RecursionError) as err:
        out.warnings.append(f"front matter not understood ({type(err).__name__}: "
                            f"{str(err)[:80]}): read line by line instead")
        loaded = _fallback_fields(block)
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        out.warnings.append("front matter is not a mapping: read line by line instead")
        loaded = _fallback_fields(block)
    fields, dropped = {}, []
    for key, value in loaded.items():
        nodes, chars = expanded_size(value)
        if nodes > MAX_FIELD_NODES or chars > MAX_FIELD_CHARS:
            dropped.append(_short(key))
        else:
            fields[_short(key)] = value
    if dropped:
        out.warnings.append(f"front matter field(s) {dropped} ignored: they expand to more than "
                            f"{MAX_FIELD_NODES:,} values or {MAX_FIELD_CHARS:,} characters "
                            f"(YAML aliases)")
    out.fields = fields
    return out


def _short(key: object) -> str:
    """Return a field name as text, shortened for a message (a key may be a bomb too)."""
    if isinstance(key, str):
        return key if len(key) <= 200 else key[:200] + "..."
    nodes, chars = expanded_size(key)
    return str(key)[:200] if nodes <= 100 and chars <= 10_000 else f"<{type(key).__name__}>"


def expanded_size(value: object) -> tuple[float, float]:
    """Return how many values and characters a parsed YAML value expands to.

    Shared references (YAML aliases) are counted as often as they occur, but
    each is visited once, so a billion laughs is measured in microseconds.

    Parameters
    ----------
    value : object
        What a YAML loader returned: scalars, lists and dicts.

    Returns
    -------
    tuple of (float, float)
        The number of values (scalars and containers) and of characters of
        the scalars, as written out; ``inf`` for a value that contains itself.
    """
    memo: dict[int, tuple[float, float]] = {}
    active: set[int] = set()

    def size(node: object) -> tuple[float, float]:
        if not isinstance(node, (list, tuple, dict, set)):
            return 1, len(node) if isinstance(node, str) else len(repr(node))
        key = id(node)
        if key in memo:
            return memo[key]
        if key in active:
            return math.inf, math.inf
        active.add(key)
        items = [x for kv in node.items() for x in kv] if isinstance(node, dict) else node
        nodes, chars = 1.0, 0.0
        for item in items:
            n, c = size(item)
            nodes, chars = nodes + n, chars + c
        active.discard(key)
        memo[key] = (nodes, chars)
        return nodes, chars

    try:
        return size(value)
    except RecursionError:  # nested deeper than Python recurses: not a front matter value
        return math.inf, math.inf


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
