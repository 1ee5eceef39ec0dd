"""Decode raw document bytes and normalise characters, the same way everywhere.

Decisions applied to every text the package reads:

- Encodings tried in order: a BOM (UTF-8, UTF-16 LE/BE), strict UTF-8, then
  GB18030 (a superset of GBK and GB2312). A truncated multibyte character at the
  very end of an otherwise valid UTF-8 file is dropped with a warning.
- Line endings become ``\\n``; NBSP, ideographic (full-width) spaces and other
  Unicode spaces become an ASCII space; zero-width characters are removed.
- Punctuation: Chinese text keeps *full-width* punctuation. A half-width
  ``, ; : ! ? ( )`` next to a CJK character becomes its full-width form
  (``，；：！？（）``), so ``会议,要求`` and ``会议，要求`` are one string for
  shingles, phrases and concordances. Full-width Latin letters and digits
  (``ＡＢＣ１２３``) become ASCII. ASCII punctuation inside Latin text, URLs and
  numbers (``2020-02-11``, ``3.5%``) is left alone.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

__all__ = ["Decoded", "decode_bytes", "normalize_text", "is_binary", "CJK"]

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HALF_TO_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"})
_HALF_PUNCT = re.compile(  # the leading lookahead lets re skip other characters fast
    rf"(?=[,;:!?()])(?:(?<=[{CJK}]).|.(?=[{CJK}]))"
)
# "(" opening before CJK and ")" closing after CJK are the common cases; the two
# look-arounds above cover both.
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})
# str.translate walks every character of a CJK text (20x a regex search), so
# it runs only on texts that hold a full-width letter or digit.
_HAS_FULLWIDTH_ALNUM = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


@dataclass
class Decoded:
    """Hold a decoded text with the encoding used and any warnings."""

    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def is_binary(data: bytes) -> bool:
    """Tell whether bytes look like a binary file (NUL bytes outside UTF-16).

    Parameters
    ----------
    data : bytes
        The first bytes of a file (a few KB are enough).

    Returns
    -------
    bool
        True when the bytes contain NUL and carry no UTF-16 byte-order mark.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in data[:8192]


def decode_bytes(data: bytes) -> Decoded | None:
    """Decode document bytes, trying BOMs, UTF-8 and GB18030 in turn.

    Parameters
    ----------
    data : bytes
        The whole file content.

    Returns
    -------
    Decoded or None
        The text (line endings not yet normalised) with the encoding used, or
        None when no encoding decodes the bytes.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(enc), enc)
            except UnicodeDecodeError:
                return None
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as err:
        if err.start >= len(data) - 3 and err.reason == "unexpected end of data":
            return Decoded(
                data[: err.start].decode("utf-8"), "utf-8",
                [f"truncated multibyte character at the end (byte {err.start}) dropped"],
            )
    try:
        return Decoded(data.decode("gb18030"), "gb18030")
    except UnicodeDecodeError:
        return None


def normalize_text(text: str) -> str:
    """Normalise line endings, spaces, widths and punctuation of a text.

    Parameters
    ----------
    text : str
        Decoded text.

    Returns
    -------
    str
        The text with the rules of this module's docstring applied.

    Examples
    --------
    >>> normalize_text("会议,要求\\u3000全体(师生)\\r\\n３月")
    '会议，要求 全体（师生）\\n3月'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text)
    if _HAS_FULLWIDTH_ALNUM.search(text):
        text = text.translate(_FULLWIDTH_ALNUM)
    return _HALF_PUNCT.sub(lambda m: m.group(0).translate(_HALF_TO_FULL), text)
