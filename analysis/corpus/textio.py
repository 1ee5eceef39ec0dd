"""Decode raw document bytes and normalise characters, the same way everywhere.

Decisions applied to every text the package reads:

- Encodings tried in order: a BOM (UTF-8, UTF-16 LE/BE), strict UTF-8, then
  GB18030 (a superset of GBK and GB2312). A truncated multibyte character at the
  very end of an otherwise valid UTF-8 file is dropped with a warning.
- A few bad bytes do not cost a document: a UTF-8 file in which at most 5% of
  the non-ASCII bytes are invalid (:data:`MAX_UTF8_ERRORS`; a GBK text read as
  UTF-8 has about 66% invalid, a UTF-8 text with three stray bytes a fraction of
  a percent) is read as UTF-8, each run of bad bytes replaced by U+FFFD and
  their count in a warning, even when GB18030 would decode it (into wrong
  characters). A file neither encoding decodes is read with the encoding that
  leaves fewer bad bytes, replaced likewise, unless they are half the file or
  more (:data:`MAX_BAD_SHARE`): then it is skipped, the share in the reason
  (:func:`undecodable_share`).
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

__all__ = ["Decoded", "decode_bytes", "normalize_text", "is_binary", "undecodable_share",
           "CJK"]

MAX_UTF8_ERRORS = 0.05
"""Largest share of invalid bytes among the non-ASCII bytes of a file still read as UTF-8."""
MAX_BAD_SHARE = 0.5
"""A file whose best decoding leaves this share of its bytes invalid, or more, is skipped."""
_ESCAPED = re.compile("[\udc80-\udcff]+")  # bytes surrogateescape could not decode

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
        The text (line endings not yet normalised) with the encoding used and
        warnings (bad bytes replaced), or None when half the bytes or more are
        undecodable (see the module notes).
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
            try:
                return Decoded(
                    data[: err.start].decode("utf-8"), "utf-8",
                    [f"truncated multibyte character at the end (byte {err.start}) dropped"],
                )
            except UnicodeDecodeError:
                pass  # more bad bytes before the end: read leniently below
    utf8, bad_utf8 = _lenient(data, "utf-8")
    non_ascii = sum(1 for b in data if b >= 0x80)
    if bad_utf8 <= MAX_UTF8_ERRORS * non_ascii:
        return Decoded(utf8, "utf-8", [_replaced(bad_utf8, "UTF-8")])
    try:
        return Decoded(data.decode("gb18030"), "gb18030")
    except UnicodeDecodeError:
        pass
    gb, bad_gb = _lenient(data, "gb18030")
    text, bad, enc = (utf8, bad_utf8, "utf-8") if bad_utf8 <= bad_gb else (gb, bad_gb, "gb18030")
    if bad >= MAX_BAD_SHARE * len(data):
        return None
    return Decoded(text, enc, [_replaced(bad, "UTF-8" if enc == "utf-8" else "GB18030")])


def _lenient(data: bytes, encoding: str) -> tuple[str, int]:
    """Decode with every run of bad bytes replaced by U+FFFD; return the text and their count."""
    text = data.decode(encoding, "surrogateescape")
    bad = sum(m.end() - m.start() for m in _ESCAPED.finditer(text))
    return (_ESCAPED.sub("\ufffd", text) if bad else text), bad


def _replaced(bad: int, encoding: str) -> str:
    return f"{bad} invalid {encoding} byte(s) replaced by U+FFFD"


def undecodable_share(data: bytes) -> float:
    """Return the share of a file's bytes that neither UTF-8 nor GB18030 decodes.

    Parameters
    ----------
    data : bytes
        The whole file content.

    Returns
    -------
    float
        In [0, 1]: the invalid bytes of the better of the two encodings over
        all bytes (0 for an empty file).
    """
    if not data:
        return 0.0
    return min(_lenient(data, enc)[1] for enc in ("utf-8", "gb18030")) / len(data)


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
