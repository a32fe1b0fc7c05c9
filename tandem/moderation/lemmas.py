"""Words and their dictionary forms, so that a rule on a lemma matches every form of the word.

Russian words go through pymorphy3 ("идиотами" → "идиот", "дураки" → "дурак"). Its dictionaries come from
the installed ``pymorphy3-dicts-ru`` package: nothing is downloaded, it works offline. English words are only
lower-cased: stemming English is out of scope here (English rules list the forms they mean, or use a regex).

Meant for *normalised* text (see ``tandem.moderation.normalize``); offsets are offsets in the text given.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

__all__ = ["lemmas", "lemmatize"]

# A word: letters (any script, ё included) and digits, with apostrophes or hyphens inside it ("don't",
# "кто-нибудь", "rock'n'roll"), never at its ends.
WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")

_analyzer: MorphAnalyzer | None = None
_analyzer_lock = threading.Lock()


def _morph() -> MorphAnalyzer:
    """The one MorphAnalyzer of the process, created on first use (loading the dictionaries takes a
    moment and some memory, which importing this module should not cost)."""
    global _analyzer
    if _analyzer is None:
        with _analyzer_lock:
            if _analyzer is None:
                from pymorphy3 import MorphAnalyzer

                _analyzer = MorphAnalyzer(lang="ru")
    return _analyzer


@lru_cache(maxsize=100_000)
def lemmatize(word: str) -> str:
    """The dictionary form of a word: pymorphy3's most likely normal form for a word with Cyrillic letters,
    the lower-cased word otherwise (English is not stemmed; numbers stay as they are)."""
    lowered = word.lower()
    if not _CYRILLIC_RE.search(lowered):
        return lowered
    parses = _morph().parse(lowered)
    return parses[0].normal_form if parses else lowered


def lemmas(text: str) -> list[tuple[str, int, int]]:
    """Each word of ``text`` as (lemma, start, end), ``text[start:end]`` being the word itself."""
    return [(lemmatize(m.group()), m.start(), m.end()) for m in WORD_RE.finditer(text)]
