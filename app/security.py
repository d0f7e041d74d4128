"""Security headers: nosniff and a referrer policy on every response, a CSP on every HTML page.

The pages' Content-Security-Policy allows scripts and styles from the server itself and, inline,
only those carrying the response's nonce: a fresh random value per response, added here to
every ``<script>`` and ``<style>`` tag of the page as it leaves (Folium writes inline ones, and
so do our templates). Injected markup cannot guess it, so it cannot run. There is no
``unsafe-inline``; inline ``style=""`` attributes are not allowed either (scripts set styles
through the DOM, which CSP allows).
"""

from __future__ import annotations

import base64
import os
from typing import Final
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings

ALWAYS: Final = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
_AFTER_NAME = (b" ", b">", b"\n", b"\t", b"\r")
_QUOTES = (b'"', b"'", b"\\")


def content_security_policy(nonce: str, *, frame_ancestors: str, tile_origin: str | None) -> str:
    """Return the CSP of one HTML response (``tile_origin``: the base map's tile server)."""
    images = "'self' data: blob:" + (f" {tile_origin}" if tile_origin else "")
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self' data:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        )
    )


def with_nonce(html: bytes, nonce: str) -> bytes:
    """Return ``html`` with ``nonce`` on each of its ``<script>`` and ``<style>`` tags.

    A tag inside a script's string (``"<style>"`` after a quote) is left alone. Tags are
    lowercase here (our templates, Folium); an uppercase one gets no nonce and is refused.
    Found with ``bytes.find`` of each whole name: a regular expression took 60-1800 µs on a
    30 KB page, a search for ``<s`` 100 µs (bench/ops_overhead.py).
    """
    attribute = b' nonce="' + nonce.encode() + b'"'
    ends = sorted(end for name in (b"<script", b"<style") for end in _tag_ends(html, name))
    out = bytearray()
    done = 0
    for end in ends:
        out += html[done:end]
        out += attribute
        done = end
    out += html[done:]
    return bytes(out)


def _tag_ends(html: bytes, name: bytes) -> list[int]:
    """Return where each ``name`` tag's name ends, for tags in markup (not after a quote)."""
    ends = []
    at = html.find(name)
    while at >= 0:
        end = at + len(name)
        if html[end : end + 1] in _AFTER_NAME and html[at - 1 : at] not in _QUOTES:
            ends.append(end)
        at = html.find(name, end)
    return ends


def tile_origin(url: str | None) -> str | None:
    """Return the CSP source of a base-map tile URL (``{s}`` subdomains as ``*``)."""
    parts = urlsplit(url or "")
    if not parts.scheme or not parts.netloc:
        return None  # none, or on this server
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


class SecurityHeadersMiddleware:
    """Pure ASGI middleware adding the headers above; only HTML bodies are rewritten."""

    def __init__(self, app: ASGIApp, *, frame_ancestors: str, tile_url: str | None) -> None:
        self.app = app
        self.frame_ancestors = frame_ancestors
        self.tile_origin = tile_origin(tile_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers; buffer an HTML response to put the nonce in its tags."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_secured(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *ALWAYS]
                if _is_html(message):
                    if scope["method"] == "HEAD":  # no body to put a nonce in
                        self._add_policy(message, "-")
                    else:
                        start = message  # held until the whole page is here
                        return
            elif start is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self._send_page(send, start, b"".join(chunks))
                return
            await send(message)

        await self.app(scope, receive, send_secured)

    async def _send_page(self, send: Send, start: Message, body: bytes) -> None:
        nonce = base64.b64encode(os.urandom(16)).decode()
        body = with_nonce(body, nonce)
        headers = MutableHeaders(raw=start["headers"])
        headers["content-length"] = str(len(body))
        self._add_policy(start, nonce)
        await send(start)
        await send({"type": "http.response.body", "body": body})

    def _add_policy(self, start: Message, nonce: str) -> None:
        headers = MutableHeaders(raw=start["headers"])
        headers["content-security-policy"] = content_security_policy(
            nonce, frame_ancestors=self.frame_ancestors, tile_origin=self.tile_origin
        )


def _is_html(start: Message) -> bool:
    for name, value in start.get("headers", ()):
        if name.lower() == b"content-type":
            return bool(value.startswith(b"text/html"))
    return False


class PublicAddressMiddleware:
    """Make every request look addressed to the public base URL, whatever ``Host`` it sent.

    Links are built from the request's URL (``request.url``, ``request.base_url``), which
    Starlette takes from the ``Host`` header: a client could make the server print links to a
    host of its choosing. With ``security.public_base_url`` set, scheme and host come from it.
    """

    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        self.app = app
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.host = parts.netloc.encode("idna" if not parts.netloc.isascii() else "ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Replace scheme and ``Host`` of an HTTP request, then pass it on."""
        if scope["type"] == "http":
            scope["scheme"] = self.scheme
            scope["headers"] = [
                *((name, value) for name, value in scope["headers"] if name != b"host"),
                (b"host", self.host),
            ]
        await self.app(scope, receive, send)


def install_security_headers(app: FastAPI, settings: Settings) -> None:
    """Add the security headers middleware (inside gzip, so it rewrites plain HTML).

    With ``security.public_base_url`` set, also the public address (``PublicAddressMiddleware``).
    """
    if settings.security.public_base_url:
        app.add_middleware(PublicAddressMiddleware, base_url=settings.security.public_base_url)
    app.add_middleware(
        SecurityHeadersMiddleware,
        frame_ancestors=settings.security.frame_ancestors,
        tile_url=settings.map.online_tile_url,
    )
