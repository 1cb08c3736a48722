"""Thai line breaking by dictionary: Thai writes no spaces between words, so a line may end only
between two words the tokenizer found (PyThaiNLP's maximal matching over its bundled
dictionary), never inside one."""

from collections.abc import Callable, Iterable
from functools import lru_cache


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    from pythainlp.tokenize import word_tokenize

    return tuple(word_tokenize(text, engine="newmm", keep_whitespace=True))


def units(text: str, keep: Iterable[str] = ()) -> list[str]:
    """The words, with each of `keep` (a person's title and name: "นาย" + "กิตติ" must not be
    parted at a line's end) held together as one."""
    tokens = list(words(text))
    spans = [(start, start + len(k)) for k in keep if k for start in _occurrences(text, k)]
    if not spans:
        return tokens
    merged: list[str] = []
    at = 0
    for token in tokens:
        inside = any(a < at < b for a, b in spans)  # this token starts inside a kept span
        if inside and merged:
            merged[-1] += token
        else:
            merged.append(token)
        at += len(token)
    return merged


def _occurrences(text: str, part: str) -> list[int]:
    found, start = [], text.find(part)
    while start != -1:
        found.append(start)
        start = text.find(part, start + 1)
    return found


def break_lines(
    text: str,
    width: float,
    measure: Callable[[str], float],
    first_indent: float = 0.0,
    keep: Iterable[str] = (),
) -> list[str]:
    """Greedy lines no wider than `width` (the first one `first_indent` narrower), broken only
    between words (and never inside one of `keep`); a word wider than a whole line stands on a
    line of its own."""
    lines: list[str] = []
    current = ""
    room = width - first_indent
    for word in units(text, keep):
        candidate = current + word
        if current and measure(candidate.rstrip()) > room:
            lines.append(current.rstrip())
            current = word.lstrip()
            room = width
        else:
            current = candidate
    if current.strip():
        lines.append(current.rstrip())
    return lines
