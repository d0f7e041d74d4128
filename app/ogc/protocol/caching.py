"""HTTP validators: weak ETags, Cache-Control, and 304 answers to conditional requests.

ETags are weak (``W/``) because the gzip middleware may change the bytes on the wire while
the representation stays the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import Request, Response

ITEMS_MAX_AGE_S = 60
PAST_MAX_AGE_S = 86_400
"""Items as of a settled past time (``SETTLED_S`` ago): history is append-only, so they stay."""
SETTLED_S = 600
"""A version is stamped with its transaction's start, so a recorded time becomes final only once
every transaction begun before it has ended; ten minutes is far beyond any write of the API."""
TILES_MAX_AGE_S = 600
DOWNLOADS_MAX_AGE_S = 0
PERSONAL_TAG = b"personal\x00"
"""Mixed into the ETag of every representation that carries personal properties."""


def etag_of(*parts: bytes | str) -> str:
    """Return a weak ETag of the given parts."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
    return f'W/"{digest.hexdigest()}"'


def version_etag(version: int) -> str:
    """Return the weak ETag of a registry row's ``version`` (it changes on every write)."""
    return f'W/"v{version}"'


def etag_of_file(path: Path) -> str:
    """Return a weak ETag of a file's bytes, read in chunks."""
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return f'W/"{digest.hexdigest()}"'


PRIVATE = "private, no-store"
"""Cache-Control of a representation with personal data: only the caller's agent, not kept."""
VARY_READER = "Authorization, Cookie"
"""Vary of a resource whose representation depends on who reads it."""


def reader_headers(*, personal: bool, varies: bool) -> dict[str, str]:
    """Return the headers of a representation that may depend on who reads it.

    ``varies``: the resource has personal properties, so signed-in and anonymous readers get
    different representations (caches key on the credentials). ``personal``: this one carries
    them, so no shared cache may keep it and the agent must not store it.
    """
    headers = {"Vary": VARY_READER} if varies or personal else {}
    if personal:
        headers["Cache-Control"] = PRIVATE
    return headers


def cache_control(max_age_s: int) -> str:
    """Return the Cache-Control value: shared caches may keep it ``max_age_s``, then revalidate."""
    if max_age_s <= 0:
        return "no-cache"
    return f"public, max-age={max_age_s}, must-revalidate"


def matches(request: Request, etag: str) -> bool:
    """Return True when ``If-None-Match`` names ``etag`` (weak comparison) or is ``*``."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(
        tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted for tag in header.split(",")
    )


def not_modified(etag: str, max_age_s: int, *, personal: bool = False) -> Response:
    """Return the 304 answer with the validators a cache needs."""
    control = PRIVATE if personal else cache_control(max_age_s)
    return Response(status_code=304, headers={"ETag": etag, "Cache-Control": control})


def cached(
    request: Request,
    body: bytes,
    media_type: str,
    *,
    max_age_s: int,
    headers: dict[str, str] | None = None,
    personal: bool = False,
    version: int | None = None,
    variant: str = "",
) -> Response:
    """Return ``body`` with an ETag and Cache-Control, or 304 when the client has it already.

    A ``personal`` body (signed-in readers only) is ``private, no-store``, and its ETag is of
    another family than any anonymous representation's, so no validator matches across them.
    ``variant`` (an ``as_of``, say) goes into the ETag with the bytes. A registry feature's ETag
    starts with its ``version`` (``W/"v3-…"``): ``If-Match`` of a write (OGC API – Features
    Part 4) reads the version from it; the rest tells apart the representations (CRS,
    properties, personal or not, as_of) of that version.
    """
    parts: list[bytes | str] = [PERSONAL_TAG] if personal else []
    parts.append(body)
    if variant:
        parts.append(variant)
    etag = etag_of(*parts)
    if version is not None:
        etag = f'W/"v{version}-{etag[3:-1]}"'
    if matches(request, etag):
        answer = not_modified(etag, max_age_s, personal=personal)
        if headers and "Vary" in headers:  # a 304 carries the Vary its 200 would (RFC 9110)
            answer.headers["Vary"] = headers["Vary"]
        return answer
    control = PRIVATE if personal else cache_control(max_age_s)
    all_headers = {"ETag": etag, "Cache-Control": control, **(headers or {})}
    return Response(body, media_type=media_type, headers=all_headers)
