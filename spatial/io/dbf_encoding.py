"""Legacy Vietnamese text in attribute files: TCVN3 (ABC, .VnTime), VNI-Windows and Windows-1258.

Agencies deliver Shapefiles and MapInfo tables whose text is stored in one of these encodings,
usually without a ``.cpg``. Read such a file with ``encoding="latin1"`` (one character per
byte), turn each value back into its bytes with ``raw_bytes``, let ``detect`` choose the
encoding from a sample of values, and ``decode`` every value to NFC Unicode.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class TextEncoding(StrEnum):
    """Name a text encoding as users type it on the command line (``--encoding``)."""

    UTF8 = "utf-8"
    TCVN3 = "tcvn3"
    VNI = "vni"
    CP1258 = "cp1258"
    AUTO = "auto"


@dataclass(frozen=True)
class Detection:
    """Hold the encoding ``detect`` chose and the sentence the import report shows for it."""

    encoding: TextEncoding
    reason: str


_GAP = "·"  # a position the VN3 repertoire leaves empty (VN1 puts capitals or marks there)

TCVN3_ROWS: dict[int, str] = {
    0xA0: "·ĂÂÊÔƠƯĐăâêôơưđ·",
    0xB0: "·····àảãáạ·ằẳẵắ·",
    0xC0: "······ặầẩẫấậè·ẻẽ",
    0xD0: "éẹềểễếệìỉ···ĩíịò",
    0xE0: "·ỏõóọồổỗốộờởỡớợù",
    0xF0: "·ủũúụừửữứựỳỷỹýỵ·",
}
"""TCVN 5712:1993 VN3 (the ``.VnTime`` fonts, "ABC"): the letter at each byte 0xA0–0xFF.

VN3 carries the capitals Ă Â Ê Ô Ơ Ư Đ and every lower-case letter; upper-case toned letters
do not exist (``.VnTimeH`` fonts draw the lower-case codes as capitals). Bytes 0x00–0x7F are
ASCII. Checked byte by byte against three independent sources, which agree on every entry:
the TCVN 5712 table of XFree86 X-TrueType (``TCVNtoUCS2.c``, Saratxaga/Shiozaki 1998, whose
0xA1–0xFE lower-case positions are shared by VN1 and VN3), the TCVN3 column of OpenKey
(``Vietnamese.cpp``, Tuyen Mai) and the TCVN3 list of bogoengine (``charset.hpp``); and on the
strings "Hµ Néi" = "Hà Nội", "§iÖn Biªn" = "Điện Biên", "rõng ®Æc dông" = "rừng đặc dụng".
The duydev/vietnamese-conversion table is wrong for ư (0xAD, a soft hyphen it lost).
"""

_TONES = "\u0301\u0300\u0309\u0303\u0323"  # sắc, huyền, hỏi, ngã, nặng
VNI_TONE = dict(zip(_TONES, "ùøûõï", strict=True))
VNI_TONE_AFTER_CIRCUMFLEX = dict(zip(_TONES, "áàåãä", strict=True))
VNI_TONE_AFTER_BREVE = dict(zip(_TONES, "éèúüë", strict=True))
VNI_I = {"i": "i", **dict(zip("íìỉĩị", "íìæóò", strict=True))}
VNI_SINGLE = {"ơ": "ô", "ư": "ö", "đ": "ñ", "ỵ": "î"}
"""VNI-Windows: a letter is an ASCII base plus up to two bytes (capitals take capital bytes).

Circumflex is ``â`` (0xE2), breve ``ê`` (0xEA); ơ ư đ ỵ and the toned i are single bytes;
the tone byte depends on whether the vowel carries a circumflex, a breve or neither. Checked
against OpenKey (``Vietnamese.cpp``, "VNI Windows" column, two-byte codes such as 0xF861 =
"aø" = à) and the VNI list of duydev/vietnamese-conversion (``charsets.ts``), which agree on
every letter, and on "Haø Noäi" = "Hà Nội", "Ñieän Bieân" = "Điện Biên".
"""

_MODIFIERS = {"\u0302": "circumflex", "\u0306": "breve", "\u031b": "horn"}
_VIET_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxy"


def _vietnamese_letters() -> list[str]:
    """List every lower-case Vietnamese letter (NFC), bases with each of the five tones."""
    letters = list(_VIET_LETTERS)
    for base in "aăâeêioôơuưy":
        letters += [unicodedata.normalize("NFC", base + tone) for tone in _TONES]
    return letters


def _vni_lower(letter: str) -> str:
    """Spell one lower-case Vietnamese letter in VNI-Windows."""
    if letter in VNI_SINGLE:
        return VNI_SINGLE[letter]
    if letter in VNI_I:
        return VNI_I[letter]
    decomposed = unicodedata.normalize("NFD", letter)
    base, marks = decomposed[0], decomposed[1:]
    tone = next((mark for mark in marks if mark in _TONES), "")
    modifier = next((_MODIFIERS[mark] for mark in marks if mark in _MODIFIERS), "")
    if modifier == "horn":
        return VNI_SINGLE["ơ" if base == "o" else "ư"] + (VNI_TONE[tone] if tone else "")
    if modifier == "circumflex":
        return base + (VNI_TONE_AFTER_CIRCUMFLEX[tone] if tone else "â")
    if modifier == "breve":
        return base + (VNI_TONE_AFTER_BREVE[tone] if tone else "ê")
    return base + VNI_TONE[tone] if tone else base


def _build_vni() -> dict[str, str]:
    """Map every Vietnamese letter, both cases, to its VNI-Windows spelling."""
    table: dict[str, str] = {}
    for letter in _vietnamese_letters():
        spelled = _vni_lower(letter)
        table[letter] = spelled
        table[letter.upper()] = spelled.upper()
    return table


def _build_tcvn3() -> dict[str, int]:
    """Map every letter TCVN3 carries outside ASCII to its byte."""
    return {
        char: row + offset
        for row, chars in TCVN3_ROWS.items()
        for offset, char in enumerate(chars)
        if char != _GAP
    }


VNI_ENCODE = _build_vni()
TCVN3_ENCODE = _build_tcvn3()
_VNI_DECODE = {spelled: letter for letter, spelled in VNI_ENCODE.items() if len(spelled) > 1}
_VNI_DECODE_ONE = {s: letter for letter, s in VNI_ENCODE.items() if len(s) == 1 and s > "~"}


def _legacy_char(byte: int) -> str:
    """Return what a non-Vietnamese Windows font shows for ``byte`` (cp1252, else Latin-1)."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


_TCVN3_DECODE = {byte: char for char, byte in TCVN3_ENCODE.items()}
_TCVN3_TABLE = str.maketrans(
    {chr(b): _TCVN3_DECODE.get(b, _legacy_char(b)) for b in range(0x80, 0x100)}
)
_WINDOWS_TABLE = str.maketrans({chr(b): _legacy_char(b) for b in range(0x80, 0x100)})


def raw_bytes(text_read_as_latin1: str) -> bytes:
    """Return the bytes of a value that GDAL/pyogrio read with ``encoding="latin1"``."""
    return text_read_as_latin1.encode("latin1")


def _decode_vni(raw: bytes) -> str:
    """Decode VNI-Windows greedily: a two-byte letter first, then a one-byte letter."""
    text = raw.decode("latin1")
    out: list[str] = []
    index = 0
    while index < len(text):
        pair = text[index : index + 2]
        if len(pair) == 2 and (pair in _VNI_DECODE or _mixed_case(pair) in _VNI_DECODE):
            letter = _VNI_DECODE.get(pair) or _VNI_DECODE[_mixed_case(pair)]
            out.append(letter.upper() if pair[0].isupper() else letter.lower())
            index += 2
            continue
        char = text[index]
        out.append(_VNI_DECODE_ONE.get(char) or char.translate(_WINDOWS_TABLE))
        index += 1
    return "".join(out)


def _mixed_case(pair: str) -> str:
    """Give a VNI pair the case of its base letter (title-case words mix the two)."""
    return pair[0] + (pair[1].upper() if pair[0].isupper() else pair[1].lower())


def decode(raw: bytes, encoding: TextEncoding) -> str:
    """Decode one attribute value stored in ``encoding`` to NFC text.

    Raises:
        ValueError: ``encoding`` is AUTO (run ``detect`` first), or the bytes are not valid
            in it (UTF-8, cp1258).
    """
    if encoding is TextEncoding.AUTO:
        raise ValueError("decode needs a concrete encoding; call detect() for 'auto'")
    if encoding is TextEncoding.TCVN3:
        text = raw.decode("latin1").translate(_TCVN3_TABLE)
    elif encoding is TextEncoding.VNI:
        text = _decode_vni(raw)
    else:
        text = raw.decode("utf-8" if encoding is TextEncoding.UTF8 else "cp1258")
    return unicodedata.normalize("NFC", text)


def _encode_cp1258(text: str) -> bytes:
    """Encode for Windows-1258: precomposed where it has the letter, else base + tone mark."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            tones = "".join(mark for mark in decomposed if mark in _TONES)
            rest = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONES))
            out += (rest + tones).encode("cp1258")
    return bytes(out)


def _encode_char(char: str, encoding: TextEncoding) -> str:
    """Spell one character in TCVN3 or VNI as Latin-1 characters (one per byte)."""
    if char.isascii():
        return char
    if encoding is TextEncoding.TCVN3 and char in TCVN3_ENCODE:
        return chr(TCVN3_ENCODE[char])
    if encoding is TextEncoding.VNI and char in VNI_ENCODE:
        return VNI_ENCODE[char]
    raise ValueError(f"{encoding.value} cannot carry {char!r}")


def encode(text: str, encoding: TextEncoding) -> bytes:
    """Encode NFC ``text`` in ``encoding``, the inverse of ``decode``.

    Raises:
        ValueError: a letter the encoding cannot carry (TCVN3 has no upper-case toned
            letters), or ``encoding`` is AUTO.
    """
    text = unicodedata.normalize("NFC", text)
    if encoding is TextEncoding.AUTO:
        raise ValueError("encode needs a concrete encoding, not 'auto'")
    if encoding is TextEncoding.UTF8:
        return text.encode("utf-8")
    if encoding is TextEncoding.CP1258:
        return _encode_cp1258(text)
    return "".join(_encode_char(char, encoding) for char in text).encode("latin1")


_ONSET = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx]"
_NUCLEUS = (
    "iêu|yêu|oai|oay|oeo|uây|uôi|uya|uyê|uyu|ươi|ươu|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|ua|uâ|uê|ui|uô|uơ|uy|ưa|ưi|ưu|ươ|yê|"
    "[aăâeêioôơuưy]"
)
_CODA = "ch|ng|nh|[cmnpt]"
SYLLABLE = re.compile(rf"(?:{_ONSET})?(?:{_NUCLEUS})(?:{_CODA})?")
"""One Vietnamese syllable without its tone: onset, vowel nucleus (with glides), coda."""

_WORD = re.compile(r"[^\W\d_]+")
_LEGACY = (TextEncoding.TCVN3, TextEncoding.VNI, TextEncoding.CP1258)
LABELS = {
    TextEncoding.TCVN3: "TCVN3 (.Vn fonts)",
    TextEncoding.VNI: "VNI-Windows",
    TextEncoding.CP1258: "Windows-1258",
}


def is_syllable(word: str) -> bool:
    """Tell whether ``word`` is a plausible Vietnamese syllable (at most one tone mark)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [mark for mark in decomposed if mark in _TONES]
    toneless = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONES))
    return len(tones) <= 1 and SYLLABLE.fullmatch(toneless) is not None


def _syllable_share(samples: list[bytes], encoding: TextEncoding) -> tuple[int, int]:
    """Count the words with non-ASCII bytes, and those that decode to Vietnamese syllables."""
    total = good = 0
    for raw in samples:
        if raw.isascii():
            continue
        for chunk in raw.split():
            if chunk.isascii():
                continue
            words = _WORD.findall(decode(chunk, encoding))
            total += 1
            good += bool(words) and all(is_syllable(word) for word in words)
    return good, total


def _typical_bytes(samples: list[bytes]) -> str:
    """Name the three most frequent non-ASCII bytes, as a Latin-1 reader shows them."""
    counts = Counter(byte for raw in samples for byte in raw if byte > 0x7F)
    return ",".join(f"'{chr(byte)}'" for byte, _ in counts.most_common(3))


def _detect_utf8(samples: list[bytes]) -> Detection | None:
    """Choose UTF-8 when every value is valid UTF-8 (or there is nothing but ASCII)."""
    if all(raw.isascii() for raw in samples):
        return Detection(TextEncoding.UTF8, "only ASCII: any encoding reads it the same")
    try:
        texts = [raw.decode("utf-8") for raw in samples]
    except UnicodeDecodeError:
        return None
    wide = sum(not text.isascii() for text in texts)
    return Detection(
        TextEncoding.UTF8,
        f"{wide} of {len(texts)} sampled values are valid UTF-8 with Vietnamese letters",
    )


def detect(samples: Iterable[bytes]) -> Detection:
    """Choose the encoding of a file's text from raw attribute values, and say why."""
    values = [raw for raw in samples if raw]
    utf8 = _detect_utf8(values)
    if utf8 is not None:
        return utf8
    shares = {enc: _syllable_share(values, enc) for enc in _LEGACY}
    best = max(_LEGACY, key=lambda enc: shares[enc][0] / max(shares[enc][1], 1))
    good, total = shares[best]
    others = ", ".join(f"{LABELS[enc]} {_pct(*shares[enc])}%" for enc in _LEGACY if enc is not best)
    doubt = "" if 2 * good > total else "best guess only, check the text: "
    return Detection(
        best,
        f"{doubt}{LABELS[best]}: most frequent non-ASCII bytes {_typical_bytes(values)}; "
        f"{_pct(good, total)}% of {total} words decode to Vietnamese syllables ({others})",
    )


def _pct(good: int, total: int) -> int:
    """Return ``good`` as a whole percentage of ``total``."""
    return round(100 * good / total) if total else 0
