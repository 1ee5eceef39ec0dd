"""Strip portal boilerplate from a document body, keeping what it tells.

Removed: markdown image lines and placeholders (``1.jpg``), HTML comments and tags (Word's ``<!--[if gte mso 9]>`` junk), the
``[转入文章首发地址](url)`` link (its address becomes ``url``), editor lines
(``责任编辑``, ``责编``: the name becomes ``editor``, once), source and photo
credit lines, portal tails (``未经允许不得转载``, ``上一篇``/``下一篇``,
``相关推荐``, ``新闻公告``, ``高考招生`` … and the dated link lists after them),
and lines learned to repeat across many documents of one institution
(:func:`learn_templates`). Markdown emphasis (``*``, ``**``, ``***``, ``_``, ``__``,
``~~``, empty and unpaired ``**``), heading marks and link syntax are unwrapped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["Cleaned", "clean_body", "learn_templates", "remove_lines"]

_ORIGIN_LINK = re.compile(r"\[\s*转入文章首发地址\s*\]\(\s*([^)\s]+)\s*\)")
# Link targets may close with "）": normalisation turns ")" after CJK full-width.
_IMAGE_MD = re.compile(r"!\[[^\]]*\]\([^)）]*[)）]")
_LINK_MD = re.compile(r"(?<!!)\[([^\]]*)\]\((?:https?://|/|\.\.?/|mailto:)[^)）\s]*[)）]")
_HTML = re.compile(r"<!--.*?-->|<!\[[^\]]*\]>|</?[A-Za-z][^<>]{0,200}>|<\?[A-Za-z][^<>]{0,200}>",
                   re.S)
# Markdown emphasis, unwrapped to its text: ***x***, **x**, *x*, __x__, _x_, ~~x~~
# (the delimiters hug the text; single * and _ not inside ASCII words, so 3*4*5,
# URLs and snake_case keep theirs), then empty pairs (****) and unpaired runs of two or more
# asterisks, which portals leave around photo captions (117 "****" lines, 77 "**"
# lines and 40 "****text" lines in the shared corpus).
_EMPHASIS = re.compile(
    r"(?<!\*)(\*{2,3})(?=[^\s*])(.+?)(?<=[^\s*])\1(?!\*)"
    r"|(?<![*A-Za-z0-9])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*A-Za-z0-9])"
    r"|(?<![A-Za-z0-9_])(_{1,2})(?=[^\s_])(.+?)(?<=[^\s_])\4(?![A-Za-z0-9_])"
    r"|~~(?=\S)(.+?)(?<=\S)~~"
)
_STARS = re.compile(r"\*{2,}")
_HEADING = re.compile(r"^#{1,6}(?:\s+|$)")
_IMAGE_FILE = re.compile(r"^[\w\-.（）()]{1,60}\.(?:jpe?g|png|gif|bmp|webp|tiff?)$", re.I)
_EDITOR = re.compile(
    r"^[（(\[【]?\s*(?:责任编辑|责编|编辑)\s*[:：]\s*(?P<name>[^)）\]】]+?)\s*[)）\]】]?\s*$"
)
_CREDIT = re.compile(
    r"^[（(]?\s*(?:稿件来源|图片来源|新闻来源|信息来源|消息来源|来源|文字|文|图|图文|摄影|摄像|撰稿|供稿|通讯员|审核|审稿|"
    r"校对|初审|复审|终审|作者|核稿|签发|记者)\s*[:：|丨]"
)
_TAIL = re.compile(
    r"^[-*•\s]*(?:未经允许不得转载|上一篇|下一篇|相关推荐|相关阅读|相关新闻|相关文章|"
    r"新闻公告|高考招生|热点新闻|最新新闻|推荐阅读|分享到|打印本页|关闭窗口|【关闭】|"
    r"【打印】|返回顶部)"
)
_DATED_LINK = re.compile(r"^[-*•]\s+.{2,80}\s\d{1,2}-\d{1,2}$")


@dataclass
class Cleaned:
    """Hold a cleaned body and the facts taken out of it."""

    text: str
    url: str | None = None
    editor: str | None = None
    removed: list[str] = field(default_factory=list)


def _unwrap(line: str) -> str:
    """Remove HTML tags, heading marks and markdown emphasis from one line."""
    line = _HEADING.sub("", _HTML.sub("", line))
    if "*" in line or "_" in line or "~" in line:
        for _ in range(3):  # nested emphasis (**a *b* c**) unwraps from the outside in
            done = _EMPHASIS.sub(lambda m: next(g for g in m.group(2, 3, 5, 6) if g), line)
            if done == line:
                break
            line = done
        line = _STARS.sub("", line)
    return line.strip()


def clean_body(body: str) -> Cleaned:
    """Remove portal boilerplate from a normalised body.

    Parameters
    ----------
    body : str
        The body text after front matter and header lines, ``\\n`` line ends.

    Returns
    -------
    Cleaned
        The clean text (non-empty lines joined by ``\\n``), the original
        article ``url``, the ``editor`` and the list of removed lines.
    """
    out = Cleaned(text="")
    origin = _ORIGIN_LINK.search(body)
    if origin:
        out.url = origin.group(1)
        body = _ORIGIN_LINK.sub("", body)
    body = _LINK_MD.sub(lambda m: m.group(1).replace("\n", " "), _IMAGE_MD.sub("", body))
    kept: list[str] = []
    lines = body.split("\n")
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if _TAIL.match(line) and len(line) <= 120:
            out.removed.extend(x.strip() for x in lines[i:] if x.strip())
            break
        editor = _EDITOR.match(line)
        if editor:
            out.editor = out.editor or editor.group("name").strip()
            out.removed.append(line)
            continue
        unwrapped = _unwrap(line)
        if (not unwrapped or _IMAGE_FILE.match(unwrapped) or _DATED_LINK.match(line)
                or (_CREDIT.match(unwrapped) and len(unwrapped) <= 80)):
            out.removed.append(line)
            continue
        kept.append(unwrapped)
    out.text = "\n".join(kept)
    return out


def learn_templates(
    texts: Iterable[str], *, min_docs: int = 3, min_share: float = 0.3, max_len: int = 100
) -> set[str]:
    """Learn lines that repeat across the documents of one source.

    Parameters
    ----------
    texts : iterable of str
        Clean texts of one institution (or one portal).
    min_docs : int, default 3
        A line must occur in at least this many documents.
    min_share : float, default 0.3
        ... and in at least this share of the documents.
    max_len : int, default 100
        Longer lines are content, never template.

    Returns
    -------
    set of str
        The template lines.
    """
    texts = list(texts)
    counts: Counter = Counter()
    for text in texts:
        counts.update({line for line in text.split("\n") if 0 < len(line) <= max_len})
    need = max(min_docs, min_share * len(texts))
    return {line for line, n in counts.items() if n >= need}


def remove_lines(text: str, lines: set[str]) -> tuple[str, int]:
    """Remove the given lines from a text.

    Parameters
    ----------
    text : str
        A clean text, ``\\n`` between lines.
    lines : set of str
        Lines to drop.

    Returns
    -------
    tuple of (str, int)
        The text without those lines and how many lines were removed.
    """
    if not lines:
        return text, 0
    parts = text.split("\n")
    kept = [p for p in parts if p not in lines]
    return "\n".join(kept), len(parts) - len(kept)
