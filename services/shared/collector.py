"""Python's cyclic garbage collector, paused for bulk work.

An HR import of 100,000 officials makes about two million short-lived objects, none of them in
reference cycles; the collector's full passes over a heap that keeps growing took a fifth of
the import's time (1.9 s of 9.4 s, measured). Reference counting still frees everything as
usual; only the search for cycles waits until the bulk work is done."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused = 0  # bulk tasks under way in this process (imports may overlap)


@contextmanager
def paused() -> Iterator[None]:
    global _paused
    if _paused == 0 and not gc.isenabled():
        yield  # someone else turned it off: leave it as it is
        return
    _paused += 1
    gc.disable()
    try:
        yield
    finally:
        _paused -= 1
        if _paused == 0:
            gc.enable()
