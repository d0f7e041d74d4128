"""Tests for legacy Vietnamese text decoding (TCVN3, VNI-Windows, Windows-1258) and detection."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pyogrio
import pytest
from legacy_files import write_shapefile_zip

from spatial.io.dbf_encoding import (
    LABELS,
    TCVN3_ENCODE,
    TextEncoding,
    decode,
    detect,
    encode,
    is_syllable,
    raw_bytes,
)

TCVN3 = TextEncoding.TCVN3
VNI = TextEncoding.VNI
CP1258 = TextEncoding.CP1258

# XFree86 X-TrueType TCVNtoUCS2.c: TCVN 5712 bytes 0xA0-0xFF (VN1; 0xB0-0xB4 are combining
# marks and some positions are VN1-only capitals). Kept here as an independent second table.
X11_TCVN_A0_FF = [
    0x0020, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110,
    0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0,
    0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3,
    0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4,
    0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7,
    0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD,
    0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC,
    0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2,
    0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7,
    0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9,
    0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF,
    0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0,
]  # fmt: skip

TCVN3_KNOWN = [
    ("Hµ Néi", "Hà Nội"),
    ("rõng phßng hé", "rừng phòng hộ"),
    ("Lµo Cai", "Lào Cai"),
    ("§iÖn Biªn", "Điện Biên"),
    ("rõng ®Æc dông", "rừng đặc dụng"),
    ("rõng s¶n xuÊt", "rừng sản xuất"),
    ("RõNG PHßNG Hé", "RừNG PHòNG Hộ"),  # typed with a .VnTimeH font: capitals drawn by the font
]
VNI_KNOWN = [
    ("Haø Noäi", "Hà Nội"),
    ("Ñieän Bieân", "Điện Biên"),
    ("röøng phoøng hoä", "rừng phòng hộ"),
    ("Laøo Cai", "Lào Cai"),
    ("röøng ñaëc duïng", "rừng đặc dụng"),
    ("röøng saûn xuaát", "rừng sản xuất"),
    ("Xin chaøo caùc baïn", "Xin chào các bạn"),  # duydev/vietnamese-conversion README
    ("RÖØNG PHOØNG HOÄ", "RỪNG PHÒNG HỘ"),
]
NAMES = [
    "Tiểu khu", "Khoảnh", "Lô", "Rừng tự nhiên", "Rừng trồng", "Đất trống",
    "Mường Khương", "Bát Xát", "Sa Pa", "Phong Thổ", "Tam Đường", "Mường Tè", "Sìn Hồ",
    "Than Uyên", "Tân Uyên", "Nậm Nhùn", "Lào Cai", "Lai Châu", "Bảo Thắng", "Bảo Yên",
    "Văn Bàn", "Bắc Hà", "Si Ma Cai", "Y Tý", "Ý Tý", "Ô Quy Hồ", "Dào San", "Pa Tần",
    "Ka Lăng", "Thu Lũm", "Mù Cang Chải", "rừng phòng hộ đầu nguồn", "rừng đặc dụng",
    "rừng sản xuất", "đất chưa có rừng", "Ủy ban nhân dân xã", "Hạt Kiểm lâm",
    "Ban quản lý rừng", "Khu bảo tồn thiên nhiên Hoàng Liên", "Ỷ Lăng", "Ngòi Đường",
]  # fmt: skip


def _tcvn3_form(text: str) -> str:
    """Return ``text`` as TCVN3 can hold it: upper-case toned letters written lower-case."""
    return "".join(
        char.lower() if char.isupper() and char not in TCVN3_ENCODE and not char.isascii() else char
        for char in text
    )


@pytest.mark.parametrize(("stored", "expected"), TCVN3_KNOWN)
def test_decode_tcvn3_known_strings(stored: str, expected: str) -> None:
    decoded = decode(raw_bytes(stored), TCVN3)
    assert list(decoded) == list(expected)


@pytest.mark.parametrize(("stored", "expected"), VNI_KNOWN)
def test_decode_vni_known_strings(stored: str, expected: str) -> None:
    decoded = decode(raw_bytes(stored), VNI)
    assert list(decoded) == list(expected)
    assert encode(expected, VNI) == raw_bytes(stored)


def test_tcvn3_table_agrees_with_x11_tcvn5712() -> None:
    for char, byte in TCVN3_ENCODE.items():
        assert chr(X11_TCVN_A0_FF[byte - 0xA0]) == char, hex(byte)


def test_tcvn3_table_has_every_lower_case_letter_and_no_toned_capital() -> None:
    letters = {c for c in TCVN3_ENCODE if c.islower()}
    capitals = {c for c in TCVN3_ENCODE if c.isupper()}
    assert len(letters) == 67
    assert capitals == set("ĂÂÊÔƠƯĐ")


@pytest.mark.parametrize("name", NAMES)
def test_tcvn3_round_trip(name: str) -> None:
    carried = _tcvn3_form(name)
    assert decode(encode(carried, TCVN3), TCVN3) == carried


def test_tcvn3_encode_rejects_toned_capital() -> None:
    with pytest.raises(ValueError, match="tcvn3 cannot carry 'Ý'"):
        encode("Ý Tý", TCVN3)


@pytest.mark.parametrize("name", NAMES)
def test_vni_round_trip(name: str) -> None:
    assert decode(encode(name, VNI), VNI) == name


@pytest.mark.parametrize("name", NAMES)
def test_cp1258_round_trip_is_nfc(name: str) -> None:
    decoded = decode(encode(name, CP1258), CP1258)
    assert decoded == name
    assert unicodedata.is_normalized("NFC", decoded)


def test_cp1258_decodes_combining_tone() -> None:
    assert decode(b"Ha\xcc N\xf4\xf2i", CP1258) == "Hà Nội"


def test_decode_rejects_auto() -> None:
    with pytest.raises(ValueError, match="detect"):
        decode(b"Sa Pa", TextEncoding.AUTO)


def test_is_syllable_accepts_vietnamese_and_rejects_mojibake() -> None:
    assert all(is_syllable(w) for w in ["Nghiêng", "khuỷu", "Mường", "Thổ", "quốc", "giữa"])
    assert not any(is_syllable(w) for w in ["Néi", "Haø", "Noọi", "phßng", "Hµ"])


@pytest.mark.parametrize("encoding", [TCVN3, VNI, CP1258])
def test_detect_picks_legacy_encoding(encoding: TextEncoding) -> None:
    samples = [encode(_tcvn3_form(name), encoding) for name in NAMES]
    detection = detect(samples)
    assert detection.encoding is encoding
    assert detection.reason.startswith(f"{LABELS[encoding]}: most frequent non-ASCII bytes")
    assert "100% of 81 words decode to Vietnamese syllables" in detection.reason


def test_detect_doubtful_sample_says_so() -> None:
    detection = detect([b"\xff\xfe\xfd"])
    assert detection.reason.startswith("best guess only, check the text: ")


def test_detect_utf8_says_how_many_values() -> None:
    detection = detect([name.encode() for name in NAMES] + [b"KCN 01"])
    assert detection.encoding is TextEncoding.UTF8
    assert detection.reason == (
        f"{len(NAMES) - 2} of {len(NAMES) + 1} sampled values are valid UTF-8 "
        "with Vietnamese letters"
    )


def test_detect_ascii_only() -> None:
    detection = detect([b"Sa Pa", b"Bat Xat"])
    assert detection == detect([b"Sa Pa"])
    assert detection.reason == "only ASCII: any encoding reads it the same"


@pytest.mark.parametrize("encoding", [TCVN3, VNI])
def test_legacy_shapefile_reads_back(tmp_path: Path, encoding: TextEncoding) -> None:
    names = [_tcvn3_form(name) for name in NAMES[:20]]
    rows = [{"ten": name, "ma": index} for index, name in enumerate(names)]
    path = write_shapefile_zip(tmp_path / "rung.zip", rows, encoding, 9208, True)
    with zipfile.ZipFile(path) as archive:
        assert sorted(Path(n).suffix for n in archive.namelist()) == [
            ".dbf", ".prj", ".shp", ".shx"
        ]  # fmt: skip
    frame = pyogrio.read_dataframe(path, encoding="latin1")
    raw = [raw_bytes(value) for value in frame["ten"]]
    assert detect(raw).encoding is encoding
    assert [decode(value, encoding) for value in raw] == names
    assert frame.crs.to_epsg() == 9208


def test_legacy_shapefile_prj_is_optional(tmp_path: Path) -> None:
    rows = [{"ten": "Mường Khương"}]
    bare = write_shapefile_zip(tmp_path / "bare.zip", rows, VNI, 9208, False)
    custom = write_shapefile_zip(tmp_path / "own.zip", rows, VNI, 9208, True, prj_text="X")
    with zipfile.ZipFile(bare) as archive:
        assert not [n for n in archive.namelist() if n.endswith((".prj", ".cpg"))]
    with zipfile.ZipFile(custom) as archive:
        assert archive.read("own.prj") == b"X"
