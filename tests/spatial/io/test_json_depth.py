import random

import pytest

from spatial.io import json_depth


def _depth_by_numpy(data: bytes, patched: pytest.MonkeyPatch) -> int:
    with patched.context() as numpy_only:
        numpy_only.setattr(json_depth, "SMALL_BRACKETS", -1)
        return json_depth.json_depth(data)


def test_json_depth_of_a_small_text_counts_only_its_structure():
    text = b'{"a": [[1, 2], {"b": "[[[{{{"}], "c": "\\"]]"}'
    assert json_depth.json_depth(text) == 3
    assert json_depth.json_depth(b"[]") == 1
    assert json_depth.json_depth(b'"no [ structure"') == 0


def test_json_depth_small_path_agrees_with_numpy_on_any_text(monkeypatch: pytest.MonkeyPatch):
    rng = random.Random(20261207)
    alphabet = b'[]{}"\\ ,:a1'
    for _ in range(2_000):
        text = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        assert json_depth.json_depth(text) == _depth_by_numpy(text, monkeypatch), text


def test_json_depth_of_many_brackets_is_counted_by_numpy_alike():
    text = b"[" * 3_000 + b"]" * 2_999 + b"{" * 5
    assert json_depth.json_depth(text) == 3_000
