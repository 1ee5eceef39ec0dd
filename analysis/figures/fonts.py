"""Find a font that draws every character of a figure, Chinese included.

The default CJK font is Noto Sans SC (SIL Open Font License 1.1) from the PyPI
package ``justmytype-intl-cjk``, so a fresh machine needs only pip: no system
font, no network at run time. The package ships a *variable* TrueType font whose
default instance is Thin (weight 100); :func:`cjk_font_path` instantiates it
once at Regular (weight 400) into a static TrueType (``glyf``, not CFF) file
under ``.cache/fonts/`` (about 16 s and 10.6 MB, once a machine), which embeds in
PDF as Type 42 (CIDFontType2) with a ToUnicode map, so Chinese stays selectable.

A font is "good" for some texts when its character map (cmap) holds every
character drawn: :func:`check_font_covers` checks that and names what is
missing, :func:`resolve_font` picks the first good font (a given one, the Noto
instance, then any installed font) and :func:`check_figure_fonts` checks every
text of a matplotlib figure against the fonts matplotlib will use for it.
wordcloud never warns about missing glyphs (it draws boxes), so word clouds
call ``resolve_font(words)`` and pass the path on as ``font_path``.

Registering a font (:func:`register_font`) adds it to matplotlib's font
manager, which changes no ``rcParams``; :mod:`analysis.figures.style` then names it.

The instance is a cache, and heals like the others: a file FreeType cannot
open (truncated, overwritten) is discarded with a :class:`FontCacheWarning` and
made again; a folder that cannot be written is said so in a warning and the
instance goes to a folder of the system's temporary directory instead. Its
folder follows the run's cache folder: the ``cache_dir`` argument, else the one
set by :func:`font_cache_dir` (a Study's ``cache_dir``), else the environment
variable :data:`CACHE_ENV` (set by the runner's ``--cache-dir`` for the
notebooks it executes), else ``<project>/.cache/fonts``.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import tempfile
import time
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from matplotlib import font_manager, ft2font
from matplotlib.figure import Figure
from matplotlib.text import Text

from ..core.config import CACHE_DIR
from ..core.errors import FontError, format_list
from ..core.io import write_atomically

__all__ = ["CACHE_ENV", "CJK_PACKAGE", "FontCacheWarning", "check_figure_fonts",
           "check_font_covers", "cjk_font_path", "font_cache_dir", "font_properties",
           "make_static_instance", "missing_characters", "register_font", "resolve_font"]

CACHE_ENV = "ANALYSIS_CACHE_DIR"
"""The environment variable naming the cache folder of a run (set by the runner)."""
_CACHE_DIR: contextvars.ContextVar[Path | None] = contextvars.ContextVar("font_cache_dir",
                                                                          default=None)


class FontCacheWarning(UserWarning):
    """The font cache could not be read (it is made again) or written (another folder is used)."""

CJK_PACKAGE = "justmytype-intl-cjk"
_NOTO_SC = ("fonts", "ofl", "notosanssc", "NotoSansSC[wght].ttf")
_WEIGHT = 400
_LAST_RESORT = "LastResortHE"  # matplotlib's box-drawing fallback: never a real match
_REGISTERED: dict[str, str] = {}
_MATH = re.compile(r"(?<!\\)\$.*?(?<!\\)\$")


def _show(chars: Iterable[str], limit: int = 20) -> str:
    return format_list(sorted(set(chars)), limit=limit, item=lambda c: f"{c!r} (U+{ord(c):04X})",
                       brackets=False)


def _drawn(texts: str | Iterable[object]) -> set[str]:
    """Return the characters a text or texts would draw (control characters aside)."""
    items = [texts] if isinstance(texts, str) else list(texts)
    return {c for t in items if t is not None for c in str(t) if unicodedata.category(c) != "Cc"}


@lru_cache(maxsize=256)
def _charmap(path: str, index: int = 0) -> frozenset[int]:
    """Return the code points a font file maps, read by FreeType as matplotlib does."""
    return frozenset(ft2font.FT2Font(path, face_index=index).get_charmap())


@lru_cache(maxsize=256)
def _family(path: str, index: int = 0) -> str:
    return ft2font.FT2Font(path, face_index=index).family_name


def missing_characters(texts: str | Iterable[object], font_path: str | os.PathLike) -> list[str]:
    """Return the characters of the texts that a font has no glyph for, sorted.

    Parameters
    ----------
    texts : str or iterable of str
        One text or several (words, labels); control characters such as
        newlines are not drawn and not checked.
    font_path : path-like
        The font file (TrueType, OpenType or a collection's first face).

    Returns
    -------
    list of str
        The missing characters, in code point order; empty when all are covered.
    """
    cmap = _charmap(os.fspath(font_path), getattr(font_path, "face_index", 0))
    return sorted(c for c in _drawn(texts) if ord(c) not in cmap)


def check_font_covers(texts: str | Iterable[object], font_path: str | os.PathLike) -> None:
    """Check that a font has a glyph for every character of the texts.

    Parameters
    ----------
    texts : str or iterable of str
        What will be drawn with the font, e.g. the words of a word cloud.
    font_path : path-like
        The font file.

    Raises
    ------
    FontError
        If the file is missing or unreadable, or naming the missing characters.
    """
    if not Path(font_path).is_file():
        raise FontError(f"The font file {os.fspath(font_path)!r} does not exist.")
    try:
        missing = missing_characters(texts, font_path)
    except (OSError, RuntimeError) as err:
        raise FontError(f"The font file {os.fspath(font_path)!r} cannot be read: {err}") from err
    if missing:
        raise FontError(f"The font {Path(font_path).name} has no glyph for "
                        f"{len(missing)} character(s): {_show(missing)}.")


def make_static_instance(source: str | os.PathLike, target: str | os.PathLike, *,
                         wght: float = _WEIGHT) -> Path:
    """Write a static instance of a variable font at a weight, atomically.

    The instance is written to a temporary file in the target's folder and then
    renamed, so an interrupted or concurrent run never leaves a partial file.
    Its ``head`` timestamps are kept from the source, so the bytes do not
    depend on the day it was made.

    Parameters
    ----------
    source : path-like
        A variable TrueType font with a ``wght`` axis.
    target : path-like
        The static font to write.
    wght : float, default 400
        The weight (400 Regular, 700 Bold).

    Returns
    -------
    pathlib.Path
        ``target``.
    """
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    font = instancer.instantiateVariableFont(TTFont(source), {"wght": wght},
                                             updateFontNames=True)
    font.recalcTimestamp = False
    return write_atomically(target, lambda tmp: font.save(str(tmp)))


@contextmanager
def font_cache_dir(cache_dir: str | os.PathLike | None) -> Iterator[Path | None]:
    """Keep the CJK font instance in ``cache_dir`` while the block runs.

    Parameters
    ----------
    cache_dir : path-like or None
        The run's cache folder; None leaves the default.

    Yields
    ------
    pathlib.Path or None
        The folder in force.
    """
    folder = None if cache_dir is None else Path(cache_dir).expanduser()
    token = _CACHE_DIR.set(folder if folder is not None else _CACHE_DIR.get())
    try:
        yield _CACHE_DIR.get()
    finally:
        _CACHE_DIR.reset(token)


def _cache_folder(cache_dir: str | os.PathLike | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if _CACHE_DIR.get() is not None:
        return _CACHE_DIR.get()
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    return CACHE_DIR / "fonts"


@lru_cache(maxsize=8)
def _opens(path: str, mtime_ns: int, size: int) -> str | None:
    """Return why FreeType cannot use a font file, or None (checked once per version)."""
    try:
        if not ft2font.FT2Font(path).get_charmap():
            return "it maps no character"
    except (OSError, RuntimeError, ValueError) as err:
        return str(err)
    return None


def _usable(target: Path) -> bool:
    """Tell whether a cached instance is there and opens; discard it with a warning if not."""
    try:
        why = _opens(str(target), *_stamp(target))
    except OSError:
        return False
    if why is None:
        return True
    warnings.warn(f"Discarding the unreadable font cache {target} ({why}); it is made again.",
                  FontCacheWarning, stacklevel=4)
    try:
        target.unlink()
    except OSError:
        pass  # a read-only folder: the write fails and says so
    return False


def _instance(source: Path, folder: Path, name: str) -> Path:
    """Return the instance in a folder, making it when absent or unreadable."""
    target = folder / name
    if _usable(target):
        return target
    for stale in folder.glob(".NotoSansSC-*.tmp"):  # left by a killed run
        try:
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink(missing_ok=True)
        except OSError:
            continue
    made = next((other for other in _made_elsewhere(name) if other != target
                 and _opens(str(other), *_stamp(other)) is None), None)
    if made is not None:  # the same bytes, copied in a moment instead of made in 16 s
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(target, lambda tmp: shutil.copyfile(made, tmp))
    else:
        make_static_instance(source, target)
    write_atomically(folder / "OFL.txt",  # the licence travels
                     lambda tmp: shutil.copyfile(source.parent / "OFL.txt", tmp))
    return target


def _spare_folder() -> Path:
    user = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"analysis-fonts-{user}"


def _made_elsewhere(name: str) -> list[Path]:
    """Return the instances other cache folders hold (the default one, the spare one)."""
    return [f for f in (CACHE_DIR / "fonts" / name, _spare_folder() / name) if f.is_file()]


def _stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_mtime_ns, info.st_size


def cjk_font_path(*, cache_dir: str | os.PathLike | None = None) -> Path:
    """Return the static Noto Sans SC Regular font, instancing it on first use.

    Parameters
    ----------
    cache_dir : path-like, optional
        Where the instance is kept; default the folder of
        :func:`font_cache_dir`, else ``$ANALYSIS_CACHE_DIR``, else
        ``<project>/.cache/fonts/``. The file name carries the versions of the
        font package and of fontTools, so upgrading either makes a new
        instance. An unreadable instance is made again; when the folder cannot
        be written, a folder of the temporary directory is used, with a
        :class:`FontCacheWarning` naming the cause.

    Returns
    -------
    pathlib.Path
        The static TrueType font (weight 400).

    Raises
    ------
    FontError
        When ``justmytype-intl-cjk`` is not installed, or neither the cache
        folder nor the temporary one can be written (naming both causes).
    """
    try:
        version = metadata.version(CJK_PACKAGE)
        from importlib.resources import files

        source = Path(str(files("justmytype_intl_cjk").joinpath(*_NOTO_SC)))
    except (metadata.PackageNotFoundError, ModuleNotFoundError) as err:
        raise FontError(f"The CJK font package is not installed: pip install "
                        f"'{CJK_PACKAGE}==0.1.0' (or pass a font_path).") from err
    folder = _cache_folder(cache_dir)
    name = f"NotoSansSC-Regular-{version}-fonttools{metadata.version('fonttools')}.ttf"
    try:
        return _instance(source, folder, name)
    except OSError as err:
        cause = f"{type(err).__name__}: {err.strerror or err}"
    spare = _spare_folder()
    try:
        found = _instance(source, spare, name)
    except OSError as err:
        raise FontError(f"Cannot write the CJK font instance to {str(folder)!r} ({cause}) nor to "
                        f"{str(spare)!r} ({err.strerror or err}); pass a writable 'cache_dir' "
                        f"(--cache-dir).") from err
    warnings.warn(f"Cannot write the font cache {str(folder)!r} ({cause}); the CJK font "
                  f"instance is kept in {str(spare)!r} instead. Pass a writable cache folder "
                  f"(--cache-dir) to keep it with the other caches.", FontCacheWarning,
                  stacklevel=2)
    return found


def _installed_fonts() -> list[Path]:
    """List the installed font files matplotlib knows, regular upright faces first."""
    from matplotlib import rcParams

    preferred = list(rcParams["font.sans-serif"])  # read only: DejaVu Sans before a math font
    entries = [e for e in font_manager.fontManager.ttflist if _LAST_RESORT not in e.fname]
    entries.sort(key=lambda e: (e.style != "normal", e.weight not in (400, "normal"),
                                preferred.index(e.name) if e.name in preferred else len(preferred),
                                e.fname))
    return list(dict.fromkeys(Path(e.fname) for e in entries if e.index == 0))


def _first_installed(chars: set[str], *, skip: Path | None) -> tuple[Path | None, str]:
    """Return the first installed font that covers the characters, or a note on the closest."""
    scanned = []
    for candidate in _installed_fonts():
        if skip is not None and candidate.resolve() == skip.resolve():
            continue
        try:
            lacks = missing_characters(chars, candidate)
        except (OSError, RuntimeError):  # an unreadable installed font
            continue
        if not lacks:
            return candidate, ""
        scanned.append((len(lacks), str(candidate), lacks))
    if not scanned:
        return None, "no installed font"
    _, closest, lacks = min(scanned)
    return None, (f"{len(scanned)} installed fonts, the closest ({Path(closest).name}) "
                  f"lacks {_show(lacks)}")


def _named_font(font_path: str | os.PathLike) -> Path:
    """Return a font file given as a path or as an installed family name."""
    path = Path(font_path)
    if path.is_file():
        return path
    prop = font_manager.FontProperties()
    prop.set_family(os.fspath(font_path))
    try:
        return Path(font_manager.findfont(prop, fallback_to_default=False))
    except ValueError:
        raise FontError(f"The 'font_path' parameter must be a font file or an installed font "
                        f"family; got {os.fspath(font_path)!r}: tried the file "
                        f"{str(path.resolve())!r} (absent) and the installed families "
                        f"(no match).") from None


def resolve_font(texts: str | Iterable[object], *, font_path: str | os.PathLike | None = None,
                 cache_dir: str | os.PathLike | None = None) -> Path:
    """Return a font file that has a glyph for every character of the texts.

    Parameters
    ----------
    texts : str or iterable of str
        Everything that will be drawn with the font.
    font_path : path-like or str, optional
        A font file or installed family name to use. It is checked, and a
        missing character raises rather than silently switching fonts.
    cache_dir : path-like, optional
        Passed to :func:`cjk_font_path`.

    Returns
    -------
    pathlib.Path
        ``font_path``, else the Noto Sans SC instance, else the first installed
        font that covers the texts.

    Raises
    ------
    FontError
        Naming the characters no candidate covers and the fonts tried.
    """
    if font_path is not None:
        path = _named_font(font_path)
        check_font_covers(texts, path)
        return path
    chars, tried, noto = _drawn(texts), [], None
    try:
        noto = cjk_font_path(cache_dir=cache_dir)
    except FontError as err:
        tried.append(str(err))
        if "not installed" not in str(err):  # the cause, before the glyph errors it leads to
            warnings.warn(str(err), FontCacheWarning, stacklevel=2)
    else:
        lacks = missing_characters(chars, noto)
        if not lacks:
            return noto
        tried.append(f"{noto.name} lacks {_show(lacks)}")
    found, note = _first_installed(chars, skip=noto)
    if found is not None:
        return found
    tried.append(note)
    raise FontError(f"No font has a glyph for every character of the texts. Tried: "
                    f"{'; '.join(tried)}. Install a font that has them and pass it as "
                    "font_path.")


def register_font(font_path: str | os.PathLike) -> str:
    """Make a font file known to matplotlib by its family name and return that name.

    Uses ``matplotlib.font_manager.fontManager.addfont`` once per file; no
    ``rcParams`` change. Should another installed file have the same family
    name and weight, matplotlib may draw with that one; :func:`check_figure_fonts`
    still checks the glyphs of whichever file it uses.

    Parameters
    ----------
    font_path : path-like
        The font file.

    Returns
    -------
    str
        The family name to put in ``font.family``.
    """
    key = os.fspath(Path(font_path).resolve())
    if key not in _REGISTERED:
        font_manager.fontManager.addfont(key)
        _REGISTERED[key] = font_manager.FontProperties(fname=key).get_name()
    return _REGISTERED[key]


def font_properties(font_path: str | os.PathLike | None = None, *,
                    size: float | None = None) -> font_manager.FontProperties:
    """Return matplotlib font properties that draw with a file (default: the CJK font).

    Parameters
    ----------
    font_path : path-like, optional
        The font file; default :func:`cjk_font_path`.
    size : float, optional
        The size in points; default the ``font.size`` in force when drawing.

    Returns
    -------
    matplotlib.font_manager.FontProperties
        For ``fontproperties=`` of ``ax.text``, ``ax.set_title`` and the like.
    """
    path = Path(font_path) if font_path is not None else cjk_font_path()
    return font_manager.FontProperties(fname=path, size=size)


def _fonts_of(text: Text) -> list[font_manager.FontPath | str]:
    """Return the font files matplotlib uses for a text, fallbacks in order."""
    prop, found = text.get_fontproperties(), []
    for family in prop.get_family():
        one = prop.copy()
        one.set_family(family)
        try:
            found.append(font_manager.findfont(one, fallback_to_default=False))
        except ValueError:
            continue
    return [f for f in found if _LAST_RESORT not in f] or [font_manager.findfont(prop)]


def check_figure_fonts(fig: Figure) -> list[str]:
    """Check that every text of a figure has glyphs in its fonts; list the fonts.

    Draw the figure first (``fig.draw_without_rendering()``) so that tick
    labels hold their text. Math (between ``$``) and TeX texts are not checked.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to check.

    Returns
    -------
    list of str
        The family names of the fonts in the texts' fallback chains, sorted.

    Raises
    ------
    FontError
        Naming the missing characters and a text that holds each.
    """
    from matplotlib import cbook

    missing: dict[str, str] = {}
    families: set[str] = set()
    for text in fig.findobj(Text):
        s = text.get_text()
        if text.get_parse_math() and cbook.is_math_text(s):
            s = _MATH.sub("", s)  # math has fonts of its own; the rest uses the text's fonts
        if not s or not text.get_visible() or text.get_usetex():
            continue
        fonts = _fonts_of(text)
        families.update(_family(str(f), getattr(f, "face_index", 0)) for f in fonts)
        have = frozenset().union(*(_charmap(str(f), getattr(f, "face_index", 0)) for f in fonts))
        for c in _drawn(s):
            if ord(c) not in have:
                missing.setdefault(c, s)
    if missing:
        where = "; ".join(f"{c!r} (U+{ord(c):04X}) in {s!r:.40}"
                          for c, s in sorted(missing.items()))
        raise FontError(f"The figure draws characters its fonts lack: {where}. Draw it inside "
                        "analysis.figures.style.paper_style(texts=...) or pass a font that has them.")
    return sorted(families)
