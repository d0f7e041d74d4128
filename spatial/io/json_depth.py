"""How deeply a JSON text nests, measured on its bytes before anything parses it.

Python's parser, pydantic and shapely all recurse on nesting: a body of a few kilobytes of
``[[[[…`` exhausts the interpreter's stack (a RecursionError, a 500) or its patience. GeoJSON
needs about ten levels (FeatureCollection, features, Feature, geometry, coordinates, polygons,
rings, points), so anything past ``MAX_JSON_DEPTH`` is refused before it is parsed.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Final

import numpy as np

MAX_JSON_DEPTH: Final = 32
CHUNK_BYTES: Final = 1 << 20
# A JSON string with its escapes: brackets inside one do not nest anything.
STRING: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


STEPS: Final = tuple(1 if code in b"[{" else -1 for code in range(256))
NOT_BRACKETS: Final = bytes(code for code in range(256) if code not in b"[]{}")
SMALL_BRACKETS: Final = 512
"""Up to this many brackets the depth is counted in Python: numpy's dozen calls cost 30-50 µs
whatever the size, where a proposal's hundred brackets take 13-25 µs counted one by one
(bench/README.md). More brackets go to numpy, so a hostile text costs no more than before."""


def json_depth(data: bytes) -> int:
    """Return the deepest nesting of arrays and objects in the JSON text ``data``.

    Strings are blanked first; the depth is then a running sum of +1 per ``[``/``{`` and -1 per
    ``]``/``}``, computed by numpy a megabyte at a time (about 10 ms per MB, no Python loop per
    byte), or, for a text of few brackets, over them alone in Python. Malformed text gives some
    number; the parser says what is wrong with it afterwards.
    """
    if b"[" not in data and b"{" not in data:
        return 0
    bare = STRING.sub(b'""', data)
    if len(bare) <= CHUNK_BYTES:
        brackets = bare.translate(None, NOT_BRACKETS)
        if len(brackets) <= SMALL_BRACKETS:
            return max(accumulate(map(STEPS.__getitem__, brackets), initial=0))
    deepest = level = 0
    for start in range(0, len(bare), CHUNK_BYTES):
        count = min(CHUNK_BYTES, len(bare) - start)
        codes = np.frombuffer(bare, dtype=np.uint8, count=count, offset=start)
        # "[" is 0x5B and "{" 0x7B, "]" 0x5D and "}" 0x7D: bit 0x20 apart, so one mask each.
        folded = codes | 0x20
        steps = (folded == 0x7B).astype(np.int32) - (folded == 0x7D)
        running = np.cumsum(steps, dtype=np.int32) + level
        deepest = max(deepest, int(running.max(initial=level)))
        level = int(running[-1])
    return deepest


def too_deep(data: bytes, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Return why ``data`` nests too deeply to be parsed, or None when it is within ``limit``."""
    depth = json_depth(data)
    if depth <= limit:
        return None
    return f"JSON nested {depth} levels deep; at most {limit} are read"
