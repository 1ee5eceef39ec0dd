"""Recognise which institution a document belongs to.

The evidence, strongest first: front matter categories/tags, the title prefix
(``大学->`` or ``[大学]``), the portal domain (a mapping learned from the files
that state both a domain and an institution), then the body: the institution
named most often in the title and the clean body. A sidecar sheet overrides all
of these (handled by the loader).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..core.config import DATA_DIR

__all__ = ["InstitutionMatcher", "load_names", "looks_like_institution"]

_SUFFIX = re.compile(r"(大学|学院|医学院|研究院|大學|學院)$")
_DOMAIN = re.compile(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def looks_like_institution(value: object) -> bool:
    """Tell whether a tag or category value names an institution.

    Parameters
    ----------
    value : object
        A front matter tag, category or title prefix.

    Returns
    -------
    bool
        True for a Chinese name ending in 大学, 学院 or a similar suffix.
    """
    text = str(value).strip() if value is not None else ""
    return 3 <= len(text) <= 20 and bool(_SUFFIX.search(text)) and not _DOMAIN.match(text)


def load_names(paths: Iterable[str | Path] = ()) -> list[str]:
    """Read institution names from the shipped list and extra files.

    Parameters
    ----------
    paths : iterable of path-like, default ()
        Extra UTF-8 files, one name a line; ``#`` starts a comment line.

    Returns
    -------
    list of str
        Unique names in reading order.
    """
    names: dict[str, None] = {}
    for path in [DATA_DIR / "institutions.txt", *map(Path, paths)]:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                names[line] = None
    return list(names)


class InstitutionMatcher:
    """Count mentions of known institution names in a text, longest name first.

    Parameters
    ----------
    names : iterable of str
        Institution names to recognise.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(set(n for n in names if n), key=lambda n: (-len(n), n))
        self._pattern = (
            re.compile("|".join(map(re.escape, self.names))) if self.names else None
        )

    def count(self, text: str) -> Counter:
        """Count the non-overlapping mentions of each known name.

        Parameters
        ----------
        text : str
            Any text.

        Returns
        -------
        collections.Counter
            Name -> number of mentions.
        """
        if self._pattern is None or not text:
            return Counter()
        return Counter(m.group(0) for m in self._pattern.finditer(text))

    def most_named(self, title: str, body: str, *, title_weight: int = 2) -> str | None:
        """Return the institution named most in a title and body, or None.

        Parameters
        ----------
        title : str
            The document title; each mention counts ``title_weight`` times.
        body : str
            The clean body.
        title_weight : int, default 2
            Weight of a mention in the title.

        Returns
        -------
        str or None
            The most named institution; None when nothing is named or two
            names tie at the top.
        """
        counts = self.count(body)
        for name, n in self.count(title or "").items():
            counts[name] += title_weight * n
        ranked = counts.most_common(2)
        if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
            return None
        return ranked[0][0]


def institution_from_fields(fields: Mapping[str, object]) -> str | None:
    """Pick the institution named in front matter categories or tags.

    Parameters
    ----------
    fields : mapping
        Front matter fields.

    Returns
    -------
    str or None
        The first category, then tag, that looks like an institution.
    """
    for key in ("institution", "university", "categories", "tags"):
        value = fields.get(key)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if looks_like_institution(item):
                return str(item).strip()
    return None


def domain_from_fields(fields: Mapping[str, object]) -> str | None:
    """Pick a portal domain from front matter categories or tags.

    Parameters
    ----------
    fields : mapping
        Front matter fields.

    Returns
    -------
    str or None
        The first category or tag that is a domain name, lower-cased.
    """
    for key in ("categories", "tags"):
        value = fields.get(key)
        for item in value if isinstance(value, list) else [value]:
            if item is not None and _DOMAIN.match(str(item).strip()):
                return str(item).strip().lower()
    return None
