"""Text normalisation for moderation: undo the usual disguises of a comment and keep a map back to it.

Rules and the classifier match the *normalised* text; a verdict shows the matched span of the *original*
text. So every step below rewrites the text together with two offset lists: for each character of the
current text, where it starts and where it ends in the original string. ``normalize`` runs the steps in
order; each step is a small function that returns its input unchanged (and cheaply) when it has nothing to do.

Pure Python, no Django: the CLI, the webhook worker and the benchmark import it alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Normalized", "normalize"]


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalised comment and the map from its characters back to the original text."""

    text: str
    original: str
    _starts: Sequence[int]
    _ends: Sequence[int]

    def span_in_original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that produced ``self.text[start:end]``.

        Every normalised character remembers the original characters it came from (a collapsed stretch
        "uuuu" or a joined "х.у.й" covers the whole disguise), so ``original[a:b]`` is what the author wrote.
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside the normalised text of length {len(self.text)}")
        if start == end:
            point = self._starts[start] if start < len(self._starts) else len(self.original)
            return point, point
        return self._starts[start], self._ends[end - 1]


class _Buf:
    """The text being normalised and, per character, its [start, end) in the original text."""

    __slots__ = ("ends", "starts", "text")

    def __init__(self, text: str, starts: Sequence[int], ends: Sequence[int]):
        # offsets start as ``range`` objects (the identity map) and become lists once a step changes lengths
        self.text = text
        self.starts = starts
        self.ends = ends

    def slice(self, i: int, j: int) -> _Buf:
        return _Buf(self.text[i:j], self.starts[i:j], self.ends[i:j])


# A replacement is either a string (same length as the match: character for character; otherwise every
# character covers the whole match) or a string with, per character, the first and last index in the current
# text it comes from (used when characters are dropped from the middle of a match or a run is collapsed).
_Replacement = str | tuple[str, list[tuple[int, int]]]


def _edit(buf: _Buf, edits: Iterable[tuple[int, int, _Replacement]]) -> _Buf:
    """Replace the spans ``text[i:j]`` (in increasing, non-overlapping order) and rewrite the offsets."""
    text, starts, ends = buf.text, buf.starts, buf.ends
    pieces: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    last = 0
    for i, j, out in edits:
        if isinstance(out, tuple):
            out, src = out
        else:
            src = None
            if out == text[i:j]:
                continue
        pieces.append(text[last:i])
        new_starts += starts[last:i]
        new_ends += ends[last:i]
        if src is not None:
            new_starts += [starts[a] for a, _ in src]
            new_ends += [ends[b] for _, b in src]
        elif len(out) == j - i:
            new_starts += starts[i:j]
            new_ends += ends[i:j]
        elif out:
            new_starts += [starts[i]] * len(out)
            new_ends += [ends[j - 1]] * len(out)
        pieces.append(out)
        last = j
    if not pieces:
        return buf
    pieces.append(text[last:])
    new_starts += starts[last:]
    new_ends += ends[last:]
    return _Buf("".join(pieces), new_starts, new_ends)


def _apply(buf: _Buf, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], _Replacement]) -> _Buf:
    """``pattern.sub(repl, text)`` that also rewrites the offset lists."""
    return _edit(buf, ((m.start(), m.end(), repl(m)) for m in pattern.finditer(buf.text)))


# --- 1. invisible characters -------------------------------------------------------------------------------

_INVISIBLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f\U000e0100-\U000e01ef]+"
)


def strip_invisible(buf: _Buf) -> _Buf:
    """Remove zero-width, bidi-control and other invisible characters (U+200B–U+200F, U+2060–U+2064, U+FEFF,
    the soft hyphen U+00AD, variation selectors, Hangul fillers, tag characters).

    Why: they render as nothing, so "ху\\u200bй" looks like the plain word to a reader but is a different
    string to a rule. This runs before NFKC so that a hidden character cannot keep a letter and its
    combining accent apart.
    """
    if not _INVISIBLE_RE.search(buf.text):
        return buf
    return _apply(buf, _INVISIBLE_RE, lambda m: "")


# --- 2. Unicode compatibility forms and case -------------------------------------------------------------


def _is_mark(ch: str) -> bool:
    return unicodedata.combining(ch) != 0


def compatibility_forms(buf: _Buf) -> _Buf:
    """Unicode NFKC.

    Why: NFKC turns compatibility look-alikes into their plain characters (fullwidth "ｆｕｃｋ", "𝐟𝐮𝐜𝐤",
    ligatures, circled and superscript letters) and composes letters with their accents (и + ◌̆ → й). Text
    already in NFKC (almost every comment) keeps its offsets as they are; otherwise each base character with
    its combining marks is normalised as a unit, so every output character still knows where it came from.
    """
    text = buf.text
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return buf
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and _is_mark(text[j]):
            j += 1
        out = unicodedata.normalize("NFKC", text[i:j])
        if len(out) == j - i:
            starts += buf.starts[i:j]
            ends += buf.ends[i:j]
        else:
            starts += [buf.starts[i]] * len(out)
            ends += [buf.ends[j - 1]] * len(out)
        pieces.append(out)
        i = j
    return _Buf("".join(pieces), starts, ends)


def fold_case(buf: _Buf) -> _Buf:
    """Case folding ("FUCK", "Fuck", "ﬀ", "ß" all fold to the plain lower-case spelling).

    Why: a rule should not have to list every capitalisation. Runs after NFKC and after URLs, e-mail
    addresses and @handles have been set aside (their case can matter: invite codes, URL paths).
    Case folding works character by character, so a result of the same length maps 1:1.
    """
    text = buf.text
    folded = text.lower() if text.isascii() else text.casefold()
    if folded == text:
        return buf
    if len(folded) == len(text):
        return _Buf(folded, buf.starts, buf.ends)
    starts: list[int] = []
    ends: list[int] = []
    for ch, a, b in zip(text, buf.starts, buf.ends, strict=True):
        k = len(ch.casefold())
        starts += [a] * k
        ends += [b] * k
    return _Buf(folded, starts, ends)


# --- 3. combining marks used as noise ----------------------------------------------------------------------

_COMBINING_MARKS = "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
_ANY_COMBINING_NOISE_RE = re.compile(_COMBINING_MARKS)
_COMBINING_NOISE_RE = re.compile("(?s)(.?)" + _COMBINING_MARKS)


def strip_combining_noise(buf: _Buf) -> _Buf:
    """Remove the generic combining diacritics (U+0300–U+036F and their extension blocks, Cyrillic titlo
    marks, combining symbols such as the enclosing circle).

    Why: after NFKC every accent that belongs to a real letter (й, ё, é, ü) has been composed into it; what
    is left of these blocks is decoration — strike-through "х̶у̶й̶", "zalgo" stacks — put on a word to keep it
    from matching. Marks of other scripts (Devanagari, Arabic, Hebrew points…) are meaningful and are kept.
    """
    if not _ANY_COMBINING_NOISE_RE.search(buf.text):
        return buf
    # the letter keeps its marks' place in the original, so a matched span includes them
    return _apply(
        buf, _COMBINING_NOISE_RE, lambda m: (m.group(1), [(m.start(), m.end() - 1)] if m.group(1) else [])
    )


# --- 4. tokens that other rules need intact ----------------------------------------------------------------

_TLDS = (
    "com|net|org|info|biz|xyz|io|me|co|ly|gg|tv|app|dev|site|online|top|shop|store|club|link|live|pro|ai|"
    "ru|su|рф|ua|by|kz|uz|us|uk|de|fr|eu|cc|to|gl|be|tk|ml|ga|cf|ws"
)
_PROTECTED_RE = re.compile(
    r"(?i)(?:https?|ftp)://[^\s<>\"']*[^\s<>\"'.,!?;:)\]]"  # URL with a scheme, less trailing punctuation
    r"|www\.[^\s<>\"']*[^\s<>\"'.,!?;:)\]]"  # URL without one
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail address
    r"|(?<![\w@])@\w+"  # @handle
    rf"|(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:{_TLDS})(?![\w-])(?:/[^\s<>\"']*)?"  # bare domain: t.me/x, bit.ly/y
)


_DOMAIN_HINT_RE = re.compile(rf"(?i)\.(?:{_TLDS})(?![\w-])")


def _may_have_protected(text: str) -> bool:
    """A cheap test that skips the full pattern for comments with no link, address or handle in them."""
    return "@" in text or "://" in text or "www." in text.lower() or _DOMAIN_HINT_RE.search(text) is not None


def _split_protected(buf: _Buf) -> list[tuple[_Buf, bool]]:
    """Cut the text into (part, is_protected): URLs, e-mail addresses and @handles are protected.

    Why: link, invite and mention rules compare these character for character; "0" → "o" or "www" → "w"
    inside them would break allow/deny lists.
    """
    if not _may_have_protected(buf.text):
        return [(buf, False)]
    parts: list[tuple[_Buf, bool]] = []
    last = 0
    for m in _PROTECTED_RE.finditer(buf.text):
        if m.start() > last:
            parts.append((buf.slice(last, m.start()), False))
        parts.append((buf.slice(*m.span()), True))
        last = m.end()
    if not parts:
        return [(buf, False)]
    if last < len(buf.text):
        parts.append((buf.slice(last, len(buf.text)), False))
    return parts


# --- 5. emoji and symbols between letters -------------------------------------------------------------------

_EMOJI = (
    "\u00a9\u00ae\u2022\u203c\u2049\u2122\u2139\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u2500-\u27bf"
    "\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_LETTER = r"[^\W\d_]"
_EMOJI_BETWEEN_LETTERS_RE = re.compile(rf"(?<={_LETTER})[{_EMOJI}]+(?={_LETTER})")
_ANY_EMOJI_RE = re.compile(f"[{_EMOJI}]")


def drop_emoji_between_letters(buf: _Buf) -> _Buf:
    """Remove emoji and pictographic symbols that sit between two letters ("х💩у💩й" → "хуй").

    Why: nobody puts an emoji inside a word except to break it up. Emoji standing on their own (between
    spaces, at the end of a sentence) are kept: the emoji-only and flood rules count them.
    """
    if not _ANY_EMOJI_RE.search(buf.text) or not _EMOJI_BETWEEN_LETTERS_RE.search(buf.text):
        return buf
    return _apply(buf, _EMOJI_BETWEEN_LETTERS_RE, lambda m: "")


# --- 6. letters spelt out with separators --------------------------------------------------------------

_SEP = rf"[.\-*_·•|/\\~'\"`^#{_EMOJI}]"
_SINGLE = r"(?<![^\W_]){L}(?![^\W_])".replace("{L}", _LETTER)
# A separator gap is a short run of separator characters, either tight ("х.у.й") or with spaces on both
# sides ("х * у * й"); a space after the dot only ("т. д. и т. п.") is how abbreviations are written.
_PUNCT_GAP = rf"(?:{_SEP}{{1,3}}|[ \t]+{_SEP}{{1,3}}[ \t]+)"
_SPACE_GAP = r"[ \t]+"
_SPELT_PUNCT_RE = re.compile(rf"{_SINGLE}(?:{_PUNCT_GAP}{_SINGLE}){{2,}}")
_SPELT_SPACE_RE = re.compile(rf"{_SINGLE}(?:{_SPACE_GAP}{_SINGLE}){{2,}}")
_LETTER_RE = re.compile(_LETTER)
# cheap superset of both patterns: three single letters with non-alphanumerics between them
_SPELT_HINT_RE = re.compile(rf"(?<![^\W_]){_LETTER}[\W_]+{_LETTER}[\W_]+{_LETTER}(?![^\W_])")
# One-letter words of Russian and English: "а я и в …" is a sentence, not a spelt-out word.
_ONE_LETTER_WORDS = frozenset("авикосуяai")


def _join_letters(m: re.Match[str], spaced: bool) -> _Replacement:
    letters = [(k.start(), k.group()) for k in _LETTER_RE.finditer(m.group())]
    if spaced and all(ch in _ONE_LETTER_WORDS for _, ch in letters):
        return m.group()
    base = m.start()
    return "".join(ch for _, ch in letters), [(base + k, base + k) for k, _ in letters]


def join_separated_letters(buf: _Buf) -> _Buf:
    """Join three or more single letters in a row that are separated by punctuation, symbols or spaces:
    "х.у-й", "х*у*й", "f_u_c_k", "х * у * й" and "f u c k" become one word.

    Why: spelling a word out letter by letter keeps it readable and defeats word matching. Safeguards for
    normal text: at least three single letters; a punctuation gap is either tight or spaced on both sides
    (so "т. д. и т. п." stays); a run separated by spaces only is left alone when every letter is a
    one-letter word of its own ("а я и", "и в у").
    """
    text = buf.text
    if not _SPELT_HINT_RE.search(text):
        return buf
    if _SPELT_PUNCT_RE.search(text):
        buf = _apply(buf, _SPELT_PUNCT_RE, lambda m: _join_letters(m, spaced=False))
    if _SPELT_SPACE_RE.search(buf.text):
        buf = _apply(buf, _SPELT_SPACE_RE, lambda m: _join_letters(m, spaced=True))
    return buf


# --- 7. homoglyphs and leetspeak, by the script of the word ------------------------------------------

_LAT_TO_CYR = {
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "n": "п", "o": "о", "p": "р",
    "r": "г", "t": "т", "x": "х", "y": "у",
}  # fmt: skip
_CYR_TO_LAT = {
    "а": "a", "в": "b", "г": "r", "е": "e", "и": "u", "к": "k", "м": "m", "н": "h", "о": "o", "п": "n",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w",
}  # fmt: skip
_LEET_LAT = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_CYR = {"0": "о", "1": "и", "3": "з", "4": "ч", "6": "б", "@": "а", "$": "с"}

_CYR_RE = re.compile("[\u0400-\u04ff]")
_LAT_RE = re.compile("[a-z\u00e0-\u024f]")
_WORD_RE = re.compile(r"(?:[^\W_]|[@$])+")
# Where a word can need unmasking: a leet character touching a letter, a "$" anywhere, or a Cyrillic
# letter touching a Latin one. Text without any of these (most comments) skips the step in one search.
_LEET_CHAR_RE = re.compile(r"[\d@$]")
_LEET_POINT_RE = re.compile(r"[\d@$](?:(?<=[^\W\d_].)|(?=[^\W\d_])|(?<=\$))")
_MIXED_POINT_RE = re.compile(r"[\u0400-\u04ff](?=[a-z\u00e0-\u024f])|[a-z\u00e0-\u024f](?=[\u0400-\u04ff])")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "@$"


def _is_cyr(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _is_lat(ch: str) -> bool:
    return "a" <= ch <= "z" or "\u00e0" <= ch <= "\u024f"


def _word_is_cyrillic(word: str, default_cyrillic: Callable[[], bool]) -> bool:
    """Which script a word is "really" in. Letters with no look-alike in the other script (й, ж, l, s)
    decide when only one script has them; otherwise the script with more letters wins (a stretched letter
    counts once); a tie goes to the script of the rest of the comment."""
    cyr = lat = cyr_own = lat_own = 0
    prev = ""
    for ch in word:
        if ch == prev:
            continue
        prev = ch
        if _is_cyr(ch):
            cyr += 1
            cyr_own += ch not in _CYR_TO_LAT
        elif _is_lat(ch):
            lat += 1
            lat_own += ch not in _LAT_TO_CYR
    if cyr_own and not lat_own:
        return True
    if lat_own and not cyr_own:
        return False
    if cyr == lat:
        return default_cyrillic()
    return cyr > lat


def _has_own_letters(word: str) -> tuple[bool, bool]:
    """Whether the word has Cyrillic, and Latin, letters that have no look-alike in the other script."""
    cyr_own = lat_own = False
    for ch in word:
        if _is_cyr(ch):
            cyr_own = cyr_own or ch not in _CYR_TO_LAT
        elif _is_lat(ch):
            lat_own = lat_own or ch not in _LAT_TO_CYR
    return cyr_own, lat_own


def _is_real_mix(word: str) -> bool:
    """A word that really is in two scripts: both have letters of their own ("smmщик"), or a Latin stem
    with a letter of its own followed by a Russian ending of two or more letters ("pdfку", "crmка").
    A look-alike disguise changes script mid-word ("сykа", "hеllo") or borrows a whole short piece
    ("xуй", "fucк")."""
    cyr_own, lat_own = _has_own_letters(word)
    if cyr_own and lat_own:
        return True
    if not lat_own:
        return False
    letters = [ch for ch in word if _is_cyr(ch) or _is_lat(ch)]
    k = 0
    while k < len(letters) and _is_lat(letters[k]):
        k += 1
    tail = letters[k:]
    return len(tail) >= 2 and all(_is_cyr(ch) for ch in tail)


def _unmask_word(word: str, cyrillic: bool) -> str:
    # in a real mixed word only leetspeak is read; its letters stay as they are
    letters = {} if _is_real_mix(word) else _LAT_TO_CYR if cyrillic else _CYR_TO_LAT
    leet = _LEET_CYR if cyrillic else _LEET_LAT
    n = len(word)
    is_letter = [ch.isalpha() for ch in word]
    n_letters = sum(is_letter)
    out = []
    i = 0
    while i < n:
        ch = word[i]
        if is_letter[i]:
            out.append(letters.get(ch, ch))
            i += 1
            continue
        j = i + 1
        while j < n and not is_letter[j]:
            j += 1
        run = word[i:j]
        interior = i > 0 and j < n
        if all(c in leet for c in run) and (
            (n_letters >= 2 and interior and len(run) <= 2) or (n_letters >= 1 and all(c == "$" for c in run))
        ):
            out.append("".join(leet[c] for c in run))
        else:
            out.append(run)
        i = j
    return "".join(out)


def unmask_words(buf: _Buf, default_cyrillic: Callable[[], bool]) -> _Buf:
    """Map homoglyphs and leetspeak into the script of each word.

    Homoglyphs: a word mixing Cyrillic and Latin letters is written in one script with look-alikes of the
    other ("сykа", "xуй" with a Latin x, "hеllo" with a Cyrillic е); the look-alikes are mapped into the
    word's script. Words in one script are left alone, so English and Russian text stays as it is.

    Leetspeak: digits and @/$ standing for letters ("f4ck", "sh1t", "п1зда", "a$$") are mapped with the table
    of the word's script (1 → i in English, и in Russian). Only inside words with at least two letters,
    and only a run of one or two such characters with letters on both sides ($ anywhere): "2024", "10:00",
    "mp3", "covid19", "web3" and "4k" keep their digits.
    """
    text = buf.text
    edits: list[tuple[int, int, _Replacement]] = []
    last_end = -1
    points: list[int] = []
    if _LEET_CHAR_RE.search(text):
        points += [m.start() for m in _LEET_POINT_RE.finditer(text)]
    if _CYR_RE.search(text) and _LAT_RE.search(text):
        points += [m.start() for m in _MIXED_POINT_RE.finditer(text)]
    if not points:
        return buf
    for i in sorted(points):
        if i < last_end:
            continue  # inside the word just handled
        while i > 0 and _is_word_char(text[i - 1]):
            i -= 1
        m = _WORD_RE.match(text, i)
        if m is None:  # pragma: no cover - a point is always a word character
            continue
        word = m.group()
        edits.append((i, m.end(), _unmask_word(word, _word_is_cyrillic(word, default_cyrillic))))
        last_end = m.end()
    return _edit(buf, edits) if edits else buf


# --- 8. stretched letters -------------------------------------------------------------------------------------

_STRETCH_HINT_RE = re.compile(r"(.)\1\1")  # a cheap superset: any character three times
_STRETCH_RE = re.compile(r"([^\W\d_])\1{2,}")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_VOWELS = frozenset("aeiouyаеёиоуыэюя")


def _squeeze_word(word: str, base: int) -> _Replacement:
    kept: list[tuple[int, int]] = []
    i, n = 0, len(word)
    while i < n:
        j = i + 1
        while j < n and word[j] == word[i]:
            j += 1
        if j - i == 2 and word[i] not in _VOWELS:
            kept += [(i, i), (i + 1, i + 1)]
        else:
            kept.append((i, j - 1))  # the one letter left stands for the whole run
        i = j
    return "".join(word[a] for a, _ in kept), [(base + a, base + b) for a, b in kept]


def squeeze_stretched(buf: _Buf) -> _Buf:
    """Collapse a letter repeated three or more times to one: "fuuuuck" → "fuck", "сууука" → "сука".

    Why three: doubled letters are normal spelling ("класс", "ванна", "good", "ass"), tripled letters
    practically never are, so a run of three or more is emphasis or disguise. Why down to one and not two:
    people stretch single letters ("fuuuck", "сууука") far more often than double ones, and one is the only
    choice that restores those; the price is "classsss" → "clas". A double letter is kept, except a doubled
    vowel in a word that is already stretched: "сууукаа" → "сука" (whoever stretches one vowel of a word
    stretches others, and a real double vowel in such a word is rare). Digits are never squeezed ("10000").
    """
    text = buf.text
    if not _STRETCH_HINT_RE.search(text):
        return buf
    edits: list[tuple[int, int, _Replacement]] = []
    last_end = -1
    for point in _STRETCH_RE.finditer(text):
        if point.start() < last_end:
            continue  # a second stretch in the word just squeezed
        i = point.start()
        while i > 0 and text[i - 1].isalpha():
            i -= 1
        m = _LETTERS_RE.match(text, i)
        if m is None:  # pragma: no cover - the point is a letter
            continue
        edits.append((i, m.end(), _squeeze_word(m.group(), i)))
        last_end = m.end()
    return _edit(buf, edits) if edits else buf


# --- 9. whitespace ------------------------------------------------------------------------------------------

_SPACES_RE = re.compile(r"\s{2,}|[^\S ]")
_ODD_SPACE_RE = re.compile(r"[^\S ]")
_EDGE_SPACE_RE = re.compile(r"^ | $")


def collapse_whitespace(buf: _Buf) -> _Buf:
    """Turn every run of whitespace (tabs, newlines, no-break and other spaces) into one space and trim
    the ends.

    Why: removing characters in earlier steps leaves gaps, and "f  u\\nc k" spacing tricks should not
    change what a phrase rule sees.
    """
    if "  " in buf.text or _ODD_SPACE_RE.search(buf.text):
        buf = _apply(buf, _SPACES_RE, lambda m: " ")
    if buf.text[:1] == " " or buf.text[-1:] == " ":
        buf = _apply(buf, _EDGE_SPACE_RE, lambda m: "")
    return buf


# --- the pipeline --------------------------------------------------------------------------------------------


def _concat(parts: list[_Buf]) -> _Buf:
    if len(parts) == 1:
        return parts[0]
    starts: list[int] = []
    ends: list[int] = []
    for p in parts:
        starts += p.starts
        ends += p.ends
    return _Buf("".join(p.text for p in parts), starts, ends)


def _comment_is_cyrillic(texts: Iterable[str]) -> bool:
    """The script of a comment, counted over its words written in one script only (mixed words are the
    disguised ones and would vote for themselves); no such words, or a tie, counts as Cyrillic."""
    cyr = lat = 0
    for text in texts:
        for m in _WORD_RE.finditer(text):
            word = m.group()
            has_cyr = _CYR_RE.search(word) is not None
            has_lat = _LAT_RE.search(word) is not None
            if has_cyr and not has_lat:
                cyr += len(word)
            elif has_lat and not has_cyr:
                lat += len(word)
    return cyr >= lat


def normalize(text: str) -> Normalized:
    """Normalise a comment for matching; see the module docstring and each step for what and why.

    URLs, e-mail addresses and @handles keep their characters (only invisible characters and NFKC forms
    are cleaned in them); everything else goes through every step.
    """
    buf = _Buf(text, range(len(text)), range(1, len(text) + 1))
    buf = strip_invisible(buf)
    buf = compatibility_forms(buf)
    buf = strip_combining_noise(buf)
    parts = [(part if protected else fold_case(part), protected) for part, protected in _split_protected(buf)]
    free_texts = [part.text for part, protected in parts if not protected]

    known: list[bool] = []  # counted on first use only (functools.cache would build a wrapper per comment)

    def default_cyrillic() -> bool:
        if not known:
            known.append(_comment_is_cyrillic(free_texts))
        return known[0]

    done = []
    for part, protected in parts:
        if not protected:
            part = drop_emoji_between_letters(part)
            part = join_separated_letters(part)
            part = unmask_words(part, default_cyrillic)
            part = squeeze_stretched(part)
        done.append(part)
    buf = collapse_whitespace(_concat(done))
    return Normalized(buf.text, text, buf.starts, buf.ends)
