"""Turn one decoded text file into a document record with provenance.

Two layouts are read: YAML front matter followed by a markdown body, and
title-first plain text (a title line, then optional header lines: a source
line such as ``稿件来源:…`` and a date line, then the body). The posting date
and the date signed at the end of a notice are kept apart.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from .boilerplate import clean_body
from .dates import body_year, find_dates, line_date, parse_date, resolve_bare_dates
from .frontmatter import parse_title, split_front_matter
from .institutions import domain_from_fields, institution_from_fields

__all__ = ["finish_body", "parse_document", "split_signature"]

_SOURCE_LINE = re.compile(r"(稿件来源|图片来源|来源|作者|发布时间|发布日期|时间)\s*[:：]")
_SENTENCE_END = re.compile(r"[。！？；]")
_URL_FIELDS = ("url", "link", "source_url", "permalink", "original_url")


def split_signature(text: str) -> tuple[str, str | None, pd.Timestamp | None]:
    """Split a signature (issuing body and date) from the end of a notice.

    Parameters
    ----------
    text : str
        A clean body, ``\\n`` between paragraphs.

    Returns
    -------
    tuple of (str, str or None, pandas.Timestamp or None)
        The body without the signature lines, the publisher and the signed date.
    """
    lines = text.split("\n")
    if len(lines) < 2:
        return text, None, None
    signed = line_date(lines[-1])
    if signed is None:
        return text, None, None
    lines.pop()
    publisher = None
    if lines and len(lines[-1]) <= 40 and not _SENTENCE_END.search(lines[-1]) \
            and not re.search(r"[，,]", lines[-1]):
        publisher = lines.pop().strip()
    return "\n".join(lines), publisher, signed


def _header(lines: list[str]) -> tuple[str | None, pd.Timestamp | None, list[str], int]:
    """Read the title and header lines of a title-first plain text."""
    nonempty = [(i, s.strip()) for i, s in enumerate(lines) if s.strip()]
    if not nonempty:
        return None, None, [], len(lines)
    first_i, title = nonempty[0]
    if len(title) > 100 or _SENTENCE_END.search(title[:-1] if title else ""):
        return None, None, [], 0
    date, credits, end = None, [], first_i + 1
    for i, line in nonempty[1:5]:
        when = line_date(line)
        if when is not None and date is None:
            date, end = when, i + 1
        elif _SOURCE_LINE.match(line) and len(line) <= 80:
            credits.append(line)
            found = find_dates(line)
            if found and date is None:
                date = found[0][1]
            end = i + 1
        else:
            break
    return title, date, credits, end


def _body_date(text: str) -> pd.Timestamp | None:
    """Find the event date a news lead gives in its first paragraph."""
    lead = text.split("\n", 1)[0]
    full = find_dates(lead)
    if full:
        return full[0][1].normalize()
    year = body_year(text)
    bare = resolve_bare_dates(lead, year) if year else []
    return bare[0][1] if bare else None


def parse_document(text: str) -> dict[str, Any]:
    """Parse a normalised document text into fields with their sources.

    Parameters
    ----------
    text : str
        The decoded, normalised file content.

    Returns
    -------
    dict
        ``title``, ``institution``, ``institution_source``, ``domain``, ``date``,
        ``date_source``, ``signed_date``, ``url``, ``publisher``, ``editor``,
        ``text``, ``raw_text``, ``front_matter`` (bool), ``warnings`` (list)
        and ``removed`` (boilerplate lines).
    """
    fm = split_front_matter(text)
    rec: dict[str, Any] = {
        "title": None, "institution": None, "institution_source": None, "domain": None,
        "date": None, "date_source": None, "signed_date": None, "url": None,
        "publisher": None, "editor": None, "front_matter": fm.present,
        "warnings": list(fm.warnings),
    }
    body = fm.body
    if fm.present:
        parts = parse_title(fm.fields.get("title"))
        rec["title"], rec["domain"] = parts["title"], parts["domain"]
        inst = institution_from_fields(fm.fields)
        if inst:
            rec["institution"], rec["institution_source"] = inst, "front_matter"
        elif parts["institution"]:
            rec["institution"], rec["institution_source"] = parts["institution"], "title"
        rec["domain"] = rec["domain"] or domain_from_fields(fm.fields)
        when = parse_date(fm.fields.get("date"))
        if when is not None:
            rec["date"], rec["date_source"] = when, "front_matter"
        elif fm.fields.get("date") is not None:
            rec["warnings"].append(f"front matter date {fm.fields.get('date')!r} not understood")
        for key in _URL_FIELDS:
            if fm.fields.get(key):
                rec["url"] = str(fm.fields[key])
                break
    else:
        lines = body.split("\n")
        title, when, _credits, end = _header(lines)
        rec["title"] = title
        if when is not None:
            rec["date"], rec["date_source"] = when, "header"
        body = "\n".join(lines[end:])
    return finish_body(rec, body)


def finish_body(rec: dict[str, Any], body: str) -> dict[str, Any]:
    """Clean a body and fill the record fields that come from it.

    Parameters
    ----------
    rec : dict
        A record with at least ``url``, ``date``, ``date_source`` and ``warnings``.
    body : str
        The normalised body text.

    Returns
    -------
    dict
        ``rec`` with ``raw_text``, ``text``, ``url``, ``editor``, ``publisher``,
        ``signed_date``, ``removed`` set, and ``date`` from the body or the
        signature when it had none.
    """
    rec["raw_text"] = body.strip("\n")
    cleaned = clean_body(body)
    rec["url"] = rec["url"] or cleaned.url
    rec["editor"] = cleaned.editor
    rec["removed"] = cleaned.removed
    clean, rec["publisher"], rec["signed_date"] = split_signature(cleaned.text)
    rec["text"] = clean
    if rec["date"] is None:
        when = _body_date(clean)
        if when is not None:
            rec["date"], rec["date_source"] = when, "body"
        elif rec["signed_date"] is not None:
            rec["date"], rec["date_source"] = rec["signed_date"], "signature"
    return rec
