"""A recursive-descent parser of CQL2 text that produces the CQL2-JSON tree.

The output is exactly what a client would have sent as ``filter-lang=cql2-json``, so one
compiler (:mod:`app.ogc.cql2`) validates and translates both encodings. Grammar subset (OGC
21-065, CQL2): boolean expressions (AND, OR, NOT, parentheses, TRUE/FALSE), comparisons
(``= <> < > <= >=``), ``[NOT] LIKE``, ``[NOT] BETWEEN``, ``[NOT] IN``, ``IS [NOT] NULL``,
``CASEI``/``ACCENTI``, ``DATE``/``TIMESTAMP``/``INTERVAL`` literals, WKT geometries and ``BBOX``,
and the ``S_*`` spatial and ``T_*`` temporal functions. ``ILIKE``, which GDAL sends, is read as
``CASEI(a) LIKE CASEI(b)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.errors import ShapelyError

from app.errors import InvalidParameter

Node = Any

TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<string>'(?:[^']|'')*')
    |(?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    |(?P<qident>"(?:[^"]|"")+")
    |(?P<ident>[A-Za-z_][A-Za-z0-9_.:]*)
    |(?P<op><>|<=|>=|=|<|>)
    |(?P<punct>[(),])""",
    re.VERBOSE,
)
WKT_TYPES = {
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
}
SPATIAL = {
    "S_INTERSECTS",
    "S_EQUALS",
    "S_DISJOINT",
    "S_TOUCHES",
    "S_WITHIN",
    "S_OVERLAPS",
    "S_CROSSES",
    "S_CONTAINS",
}
TEMPORAL = {
    "T_AFTER",
    "T_BEFORE",
    "T_CONTAINS",
    "T_DISJOINT",
    "T_DURING",
    "T_EQUALS",
    "T_FINISHEDBY",
    "T_FINISHES",
    "T_INTERSECTS",
    "T_MEETS",
    "T_METBY",
    "T_OVERLAPPEDBY",
    "T_OVERLAPS",
    "T_STARTEDBY",
    "T_STARTS",
}
COMPARISONS = {"=", "<>", "<", ">", "<=", ">="}


@dataclass(frozen=True)
class Token:
    """One lexical token and the character offset where it starts."""

    kind: str
    text: str
    offset: int

    @property
    def word(self) -> str:
        """Return the token upper-cased when it is a bare identifier (keywords are caseless)."""
        return self.text.upper() if self.kind == "ident" else ""


def error(detail: str, offset: int | None = None) -> InvalidParameter:
    """Return the 400 raised for a malformed filter, with the character position."""
    where = f" at character {offset + 1}" if offset is not None else ""
    return InvalidParameter("filter", f"{detail}{where}")


def _balanced_end(text: str, start: int) -> int:
    """Return the offset just after the parenthesis group that opens at or after ``start``."""
    depth, index = 0, start
    while index < len(text):
        char = text[index]
        depth += char == "("
        depth -= char == ")"
        if char == ")" and depth == 0:
            return index + 1
        if depth == 0 and not char.isspace() and char not in "ZzMm(":
            break
        index += 1
    raise error("unbalanced parentheses in a geometry literal", start)


def tokenize(text: str) -> list[Token]:
    """Split CQL2 text into tokens; a WKT geometry becomes one ``wkt`` token."""
    tokens: list[Token] = []
    offset = 0
    while offset < len(text):
        match = TOKEN.match(text, offset)
        if match is None:
            raise error(f"unexpected character {text[offset]!r}", offset)
        kind = match.lastgroup or ""
        if kind == "ident" and match.group().upper() in WKT_TYPES:
            end = _balanced_end(text, match.end())
            tokens.append(Token("wkt", text[offset:end], offset))
            offset = end
            continue
        if kind != "ws":
            tokens.append(Token(kind, match.group(), offset))
        offset = match.end()
    tokens.append(Token("eof", "", len(text)))
    return tokens


class Parser:
    """Recursive-descent parser over the token list; each method parses one grammar rule."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        """Return the token under the cursor."""
        return self.tokens[self.index]

    def advance(self) -> Token:
        """Consume and return the current token."""
        token = self.current
        self.index += 1
        return token

    def accept(self, *words: str) -> bool:
        """Consume the current token when it is one of ``words`` (keywords or punctuation)."""
        token = self.current
        if token.word in words or (token.kind in {"punct", "op"} and token.text in words):
            self.index += 1
            return True
        return False

    def expect(self, word: str) -> None:
        """Consume ``word`` or fail with its position."""
        if not self.accept(word):
            found = self.current.text or "end of filter"
            raise error(f"expected '{word}' but found '{found}'", self.current.offset)

    def parse(self) -> Node:
        """Parse a whole filter."""
        node = self.or_expr()
        if self.current.kind != "eof":
            raise error(f"unexpected '{self.current.text}'", self.current.offset)
        return node

    def or_expr(self) -> Node:
        """Parse ``term {OR term}``."""
        args = [self.and_expr()]
        while self.accept("OR"):
            args.append(self.and_expr())
        return args[0] if len(args) == 1 else {"op": "or", "args": args}

    def and_expr(self) -> Node:
        """Parse ``factor {AND factor}``."""
        args = [self.not_expr()]
        while self.accept("AND"):
            args.append(self.not_expr())
        return args[0] if len(args) == 1 else {"op": "and", "args": args}

    def not_expr(self) -> Node:
        """Parse ``[NOT] primary``."""
        if self.accept("NOT"):
            return {"op": "not", "args": [self.not_expr()]}
        return self.primary()

    def primary(self) -> Node:
        """Parse a parenthesised expression, a function predicate or a comparison."""
        token = self.current
        if self.accept("("):
            node = self.or_expr()
            self.expect(")")
            return node
        if token.word in SPATIAL | TEMPORAL or token.word.startswith(("S_", "T_")):
            return self.function_predicate()
        left = self.scalar()
        node = self.comparison(left)
        if node is None:
            if isinstance(left, bool):
                return left
            raise error(f"expected a comparison after '{token.text}'", self.current.offset)
        return node

    def function_predicate(self) -> Node:
        """Parse ``S_xxx(a, b)`` or ``T_xxx(a, b)``."""
        token = self.advance()
        if token.word not in SPATIAL | TEMPORAL:
            raise error(f"unknown function '{token.text}'", token.offset)
        self.expect("(")
        first = self.scalar()
        self.expect(",")
        second = self.scalar()
        self.expect(")")
        return {"op": token.word.lower(), "args": [first, second]}

    def comparison(self, left: Node) -> Node | None:
        """Parse what follows a scalar: an operator and its operands, or None."""
        token = self.current
        if token.kind == "op":
            self.advance()
            return {"op": token.text, "args": [left, self.scalar()]}
        if self.accept("IS"):
            negated = self.accept("NOT")
            self.expect("NULL")
            null: Node = {"op": "isNull", "args": [left]}
            return {"op": "not", "args": [null]} if negated else null
        negated = self.accept("NOT")
        node = self.like_between_in(left)
        if node is None and negated:
            raise error("expected LIKE, BETWEEN or IN after NOT", self.current.offset)
        return {"op": "not", "args": [node]} if negated and node else node

    def like_between_in(self, left: Node) -> Node | None:
        """Parse ``LIKE p``, ``ILIKE p``, ``BETWEEN a AND b`` or ``IN (a, b, ...)``."""
        if self.accept("LIKE"):
            return {"op": "like", "args": [left, self.scalar()]}
        if self.accept("ILIKE"):
            pattern = self.scalar()
            casei = [{"op": "casei", "args": [value]} for value in (left, pattern)]
            return {"op": "like", "args": casei}
        if self.accept("BETWEEN"):
            low = self.scalar()
            self.expect("AND")
            return {"op": "between", "args": [left, low, self.scalar()]}
        if self.accept("IN"):
            self.expect("(")
            values = [self.scalar()]
            while self.accept(","):
                values.append(self.scalar())
            self.expect(")")
            return {"op": "in", "args": [left, values]}
        return None

    def scalar(self) -> Node:
        """Parse a literal, a property, a typed literal or a CASEI/ACCENTI call."""
        token = self.advance()
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        if token.kind == "number":
            number = float(token.text)
            return int(number) if number.is_integer() and "." not in token.text else number
        if token.kind == "qident":
            return {"property": token.text[1:-1].replace('""', '"')}
        if token.kind == "wkt":
            return geometry_from_wkt(token)
        if token.kind == "ident":
            return self.word_scalar(token)
        raise error(f"expected a value or a property, found '{token.text or 'end'}'", token.offset)

    def word_scalar(self, token: Token) -> Node:
        """Parse a scalar that starts with a word: keyword literal, function or property."""
        word = token.word
        if word in {"TRUE", "FALSE"}:
            return word == "TRUE"
        if word in {"DATE", "TIMESTAMP"} and self.current.text == "(":
            self.expect("(")
            value = self.scalar()
            self.expect(")")
            return {word.lower(): value}
        if word in {"CASEI", "ACCENTI", "INTERVAL", "BBOX"} and self.current.text == "(":
            return self.call(word)
        return {"property": token.text}

    def call(self, word: str) -> Node:
        """Parse the parenthesised arguments of CASEI, ACCENTI, INTERVAL or BBOX."""
        self.expect("(")
        args = [self.scalar()]
        while self.accept(","):
            args.append(self.scalar())
        self.expect(")")
        if word == "INTERVAL":
            return {"interval": args}
        if word == "BBOX":
            return {"bbox": args}
        return {"op": word.lower(), "args": args}


def geometry_from_wkt(token: Token) -> Node:
    """Turn a WKT literal into a GeoJSON geometry object."""
    try:
        geometry = shapely.from_wkt(token.text)
    except (ShapelyError, ValueError) as exc:
        raise error(f"invalid WKT geometry: {exc}", token.offset) from None
    return shapely.geometry.mapping(geometry)


def parse_text(text: str) -> Node:
    """Parse a cql2-text filter into its CQL2-JSON tree.

    Raises:
        InvalidParameter: on a syntax error, naming ``filter`` and the character position.
    """
    if not text.strip():
        raise error("the filter is empty")
    return Parser(text).parse()
