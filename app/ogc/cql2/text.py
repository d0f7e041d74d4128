"""Read cql2-text with the ``cql2`` library (cql2-rs) into the CQL2-JSON tree.

``cql2`` was chosen over ``pygeofilter``: it turns every filter we accept into plain CQL2-JSON,
the tree :mod:`app.ogc.cql2` compiles for both encodings, and reports a syntax error's line and
column, whereas pygeofilter 0.4 rejects one-letter and accented names, INTERVALs of dates and a bare
TRUE. Two adaptations stay here: GDAL's ``ILIKE`` becomes ``CASEI(a) LIKE CASEI(b)``, and a budget
on nesting operators keeps hostile text from overflowing the Rust parser's stack (which aborts the
process, at about 1,600 nested parentheses).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import cql2

from app.errors import InvalidParameter
from app.ogc.cql2.types import Node, error

# Quoted strings and identifiers are skipped; words and nesting operators are what we look at.
LEXEME = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|(?P<word>[^\W\d]\w*)|(?P<nest>[-+*/%^(])""")
NESTING_WORDS = {"AND", "OR", "NOT"}
MAX_NESTING = 256
POSITION = re.compile(r"-->\s*(\d+):(\d+)")
EXPECTED = re.compile(r"=\s*(expected .*)")


def _scan(text: str) -> tuple[str, list[bool]]:
    """Return the text with ILIKE spelled `` LIKE`` and, per LIKE in order, whether it was ILIKE.

    Raises:
        InvalidParameter: when the filter has more than MAX_NESTING nesting operators.
    """
    chars, ilike, budget = list(text), [], MAX_NESTING
    for match in LEXEME.finditer(text):
        word = (match["word"] or "").upper()
        if word in {"LIKE", "ILIKE"}:
            ilike.append(word == "ILIKE")
        if word == "ILIKE":
            chars[match.start()] = " "
        budget -= bool(match["nest"]) or word in NESTING_WORDS
        if budget < 0:
            raise error(
                f"the filter has more than {MAX_NESTING} parentheses, signs and logical operators",
                match.start(),
            )
    return "".join(chars), ilike


def _offset(text: str, line: int, column: int) -> int:
    """Return the character offset of a 1-based line and column."""
    before = text.split("\n")[: line - 1]
    return sum(len(part) + 1 for part in before) + column - 1


def _syntax_error(text: str, message: str) -> InvalidParameter:
    """Turn a cql2 ParseError message into our 400 with the character position."""
    position = POSITION.search(message)
    expected = EXPECTED.search(message)
    detail = expected.group(1).replace("EOI", "end of filter") if expected else "invalid"
    offset = _offset(text, int(position[1]), int(position[2])) if position else None
    return error(f"cql2-text syntax error, {detail}", offset)


def _likes(node: Node) -> Iterator[dict[str, Node]]:
    """Yield the ``like`` operations of a tree in document order (pre-order)."""
    if isinstance(node, list):
        for item in node:
            yield from _likes(item)
    elif isinstance(node, dict) and isinstance(node.get("args"), list):
        if node.get("op") == "like":
            yield node
        yield from _likes(node["args"])


def parse_text(text: str) -> Node:
    """Parse a cql2-text filter into its CQL2-JSON tree.

    Raises:
        InvalidParameter: on a syntax error, naming ``filter`` and the character position.
    """
    if not text.strip():
        raise error("the filter is empty")
    source, ilike = _scan(text)
    try:
        tree: Node = cql2.parse_text(source).to_json()
    except cql2.ParseError as exc:
        raise _syntax_error(source, str(exc)) from None
    except UnicodeError:
        raise error("the filter is not valid Unicode") from None
    for node, was_ilike in zip(_likes(tree), ilike, strict=False):
        if was_ilike:
            node["args"] = [{"op": "casei", "args": [arg]} for arg in node["args"]]
    return tree
