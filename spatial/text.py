"""Vietnamese text: NFC normalisation at input boundaries and diacritic folding for search.

``fold`` and the SQL function ``sitereg_fold`` (created by a migration from ``FOLD_FROM`` and
``FOLD_TO``) must give the same result; a test compares them on every demo name.
"""

from __future__ import annotations

import re
import unicodedata

_RANGES = ((0x00C0, 0x024F), (0x1E00, 0x1EFF))


def _build_fold_table() -> tuple[str, str]:
    """Map every precomposed Latin letter with diacritics to its lowercase ASCII base."""
    sources: list[str] = ["Đ", "đ"]
    targets: list[str] = ["d", "d"]
    for start, end in _RANGES:
        for code_point in range(start, end + 1):
            char = chr(code_point)
            decomposed = unicodedata.normalize("NFD", char)
            base, marks = decomposed[0], decomposed[1:]
            if (
                marks
                and base.isascii()
                and base.isalpha()
                and all(unicodedata.combining(mark) for mark in marks)
            ):
                sources.append(char)
                targets.append(base.lower())
    return "".join(sources), "".join(targets)


FOLD_FROM, FOLD_TO = _build_fold_table()
_FOLD_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)
_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC with runs of whitespace collapsed and ends trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Return the search key of ``text``: NFC, diacritics removed, đ → d, lowercase.

    >>> fold("KCN Tằng Loỏng")
    'kcn tang loong'
    """
    return nfc(text).translate(_FOLD_TABLE).lower()


def slug_code(text: str) -> str:
    """Return an uppercase ASCII code with hyphens ("KCN Tằng Loỏng" → "KCN-TANG-LOONG")."""
    return re.sub(r"[^A-Z0-9]+", "-", fold(text).upper()).strip("-")
