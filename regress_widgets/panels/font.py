"""A font with Chinese glyphs for the figures of a Lab in zh-Hans or zh-Hant, found through matplotlib's
font_manager; set only for that Lab's figure (:func:`font_context`), never in the global rcParams.

Debian's ``fonts-noto-cjk`` gives "Noto Sans CJK SC" (Simplified) and "Noto Sans CJK TC" (Traditional). The
figure's texts keep DejaVu Sans first (θ, ★, ✕, subscripts) and take the Chinese glyphs from the CJK font
(matplotlib's per-glyph fallback). Where no such font is found, :func:`figure_language` says so once per process
(:class:`NoChineseFont`) and the figure is drawn in English: never empty boxes, never "Glyph missing".
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager, nullcontext

from matplotlib import font_manager, rc_context

FAMILIES = {
    "zh-Hans": ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN"),
    "zh-Hant": ("Noto Sans CJK TC", "Noto Sans CJK HK", "Noto Serif CJK TC", "Source Han Sans TC",
                "Source Han Sans TW"),
}
"""The CJK font families that can draw each language, the best first."""
LATIN = "DejaVu Sans"
_found: dict[str, str | None] = {}
_told = False


class NoChineseFont(UserWarning):
    """No font with Chinese glyphs was found: the figure is drawn in English."""


def _known() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


def _look_on_disk() -> None:
    """Fonts installed after matplotlib wrote its font cache: add the system's CJK font files to font_manager."""
    for path in font_manager.findSystemFonts():
        if "cjk" in path.lower() or "sourcehan" in path.lower().replace("-", ""):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue


def find_font(language: str) -> str | None:
    """The family of a font that draws ``language`` (None for English, or when none is installed)."""
    if language not in FAMILIES:
        return None
    if language not in _found:
        wanted = FAMILIES[language]
        known = _known()
        if not any(name in known for name in wanted):
            _look_on_disk()
            known = _known()
        _found[language] = next((name for name in wanted if name in known), None)
    return _found[language]


def figure_language(language: str) -> str:
    """The language the figure is drawn in: ``language`` when a font draws it, else "en" (said once per process)."""
    global _told
    if language == "en" or find_font(language) is not None:
        return language
    if not _told:
        _told = True
        warnings.warn(f"no font with Chinese glyphs found (looked for {', '.join(FAMILIES[language])}): the figure "
                      f"is drawn in English. Install one, e.g. `sudo apt-get install fonts-noto-cjk` (Debian), and "
                      f"restart the kernel.", NoChineseFont, stacklevel=3)
    return "en"


def font_context(language: str):
    """A context in which the texts made take the CJK font of ``language`` after DejaVu Sans (nothing for "en")."""
    family = find_font(language)
    if family is None:
        return nullcontext()
    return _with_family(family)


@contextmanager
def _with_family(family: str):
    with rc_context({"font.family": [LATIN, family]}):
        yield


def forget() -> None:
    """Look again on the next call, and say again (tests)."""
    global _told
    _found.clear()
    _told = False
