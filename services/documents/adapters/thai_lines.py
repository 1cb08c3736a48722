"""Thai line breaking by dictionary: Thai writes no spaces between words, so a line may end only
between two words the tokenizer found (PyThaiNLP's maximal matching over its bundled
dictionary), never inside one."""

from collections.abc import Callable
from functools import lru_cache


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    from pythainlp.tokenize import word_tokenize

    return tuple(word_tokenize(text, engine="newmm", keep_whitespace=True))


def break_lines(
    text: str, width: float, measure: Callable[[str], float], first_indent: float = 0.0
) -> list[str]:
    """Greedy lines no wider than `width` (the first one `first_indent` narrower), broken only
    between words; a word wider than a whole line stands on a line of its own."""
    lines: list[str] = []
    current = ""
    room = width - first_indent
    for word in words(text):
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
