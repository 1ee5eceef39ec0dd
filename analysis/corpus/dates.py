"""Find dates written the ways Chinese news pages write them.

Recognised forms: ISO ``2020-02-11`` (optionally with a time), slashes
``2020/2/11``, dotted day-first ``27.01.2020 23:22``, Chinese
``2020年2月16日`` with or without spaces (``2020 年 2 月 16 日``), and a bare
``6月18日`` whose year is taken from elsewhere in the document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pandas as pd

__all__ = ["EPOCHS", "parse_date", "find_dates", "line_date", "resolve_bare_dates", "body_year"]

# The patterns open with what their first character must be (a literal prefix
# or a lookahead) so that re skips most positions quickly; ``(?<!\d{5})`` after
# the year is ``(?<!\d)`` before it, written where it does not hide the prefix.
_ISO = re.compile(r"((?:19|20)\d\d)(?<!\d\d\d\d\d)[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"
                  r"(?:[ T]+(\d{1,2}):(\d\d)(?::(\d\d))?)?")
_DMY = re.compile(r"(?=\d)(?<!\d)(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)(?!\d)"
                  r"(?:\s+(\d{1,2}):(\d\d)(?::(\d\d))?)?")
_ZH = re.compile(r"(?=[12])((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_ZH_BARE = re.compile(r"(?=[\d\s])(?<![\d年])\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")


def _make(y: str, m: str, d: str, hh: str | None = None, mm: str | None = None,
          ss: str | None = None) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(dt.datetime(int(y), int(m), int(d), int(hh or 0),
                                        int(mm or 0), int(ss or 0)))
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[int, pd.Timestamp, str]]:
    """Find every full date (year, month, day) in a text.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    list of (int, pandas.Timestamp, str)
        Character offset, the date (with time when written) and the form
        (``"iso"``, ``"dmy"`` or ``"zh"``), in order of offset.
    """
    found = []
    for form, pattern, order in (("iso", _ISO, (1, 2, 3)), ("dmy", _DMY, (3, 2, 1)),
                                 ("zh", _ZH, (1, 2, 3))):
        for m in pattern.finditer(text):
            y, mo, d = (m.group(i) for i in order)
            extra = m.groups()[3:] if form != "zh" else ()
            stamp = _make(y, mo, d, *extra)
            if stamp is not None:
                found.append((m.start(), stamp, form))
    return sorted(found, key=lambda t: t[0])


EPOCHS = {"epoch_s": "s", "epoch_ms": "ms"}
"""Date formats of numbers: seconds or milliseconds since 1970-01-01 (UTC)."""


def parse_date(value: object, fmt: str | None = None) -> pd.Timestamp | None:
    """Parse one date value from front matter, a table cell or a line.

    Parameters
    ----------
    value : object
        A string, a ``datetime``/``date``, a pandas Timestamp, or a number
        with ``fmt="epoch_s"``/``"epoch_ms"``.
    fmt : str, optional
        ``"epoch_s"``, ``"epoch_ms"``, or a ``strptime`` pattern such as
        ``"%d/%m/%Y"``; default: any of the written forms the loader knows.

    Returns
    -------
    pandas.Timestamp or None
        The date, or None when there is none (or it does not parse).
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if fmt in EPOCHS:
        try:
            number = float(str(value).strip())
            return pd.Timestamp(int(number), unit=EPOCHS[fmt])
        except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
            return None
    if fmt is not None:
        try:
            return pd.Timestamp(dt.datetime.strptime(str(value).strip(), fmt))
        except ValueError:
            return None
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else stamp.tz_localize(None) if stamp.tzinfo else stamp
    dates = find_dates(str(value))
    return dates[0][1] if dates else None


def line_date(line: str) -> pd.Timestamp | None:
    """Return the date of a line that holds nothing but a date (and a time).

    Parameters
    ----------
    line : str
        One line of a document.

    Returns
    -------
    pandas.Timestamp or None
        The date when the line is only a date, else None.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > 24:
        return None
    dates = find_dates(stripped)
    if len(dates) != 1:
        return None
    rest = _ISO.sub("", stripped) if dates[0][2] == "iso" else stripped
    rest = _DMY.sub("", rest) if dates[0][2] == "dmy" else rest
    rest = _ZH.sub("", rest) if dates[0][2] == "zh" else rest
    return dates[0][1] if not re.sub(r"[\s:：\d]", "", rest) else None


def body_year(text: str) -> int | None:
    """Return the year written most often in a text (ties: the latest).

    Parameters
    ----------
    text : str
        A document body.

    Returns
    -------
    int or None
        The year, or None when no ``20xx年`` or full date is written.
    """
    years = Counter(int(m.group(1)) for m in _YEAR.finditer(text))
    years.update(d.year for _, d, _ in find_dates(text))
    if not years:
        return None
    return max(years.items(), key=lambda kv: (kv[1], kv[0]))[0]


def resolve_bare_dates(text: str, year: int) -> list[tuple[int, pd.Timestamp]]:
    """Resolve ``6月18日`` style dates of a text with a given year.

    Parameters
    ----------
    text : str
        A document body.
    year : int
        The year to complete the dates with.

    Returns
    -------
    list of (int, pandas.Timestamp)
        Offset and date of each bare month-day date, in order.
    """
    out = []
    for m in _ZH_BARE.finditer(text):
        stamp = _make(str(year), m.group(1), m.group(2))
        if stamp is not None:
            out.append((m.start(1), stamp))
    return out
