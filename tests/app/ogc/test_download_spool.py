"""The download spool: the query drains at its own pace and its transaction ends first."""

import threading
from collections.abc import Iterator

import pytest
from async_pool import run_async

from app.ogc.downloads.spool import body, spooled

CHUNKS = [f"chunk {number};".encode() for number in range(200)]


class Producer:
    """A stand-in for the query's generator that records how it ended."""

    def __init__(self, *, fail_at: int | None = None) -> None:
        self.closed = threading.Event()
        self.released = threading.Event()
        self.fail_at = fail_at
        self.sent = 0

    def chunks(self) -> Iterator[bytes]:
        try:
            for number, chunk in enumerate(CHUNKS):
                if number == self.fail_at:
                    raise RuntimeError("the query failed")
                self.sent += 1
                yield chunk
        finally:
            self.closed.set()

    def release(self) -> None:
        self.released.set()


async def _read(produced, *, stop_after: int | None = None) -> bytes:  # type: ignore[no-untyped-def]
    received = []
    stream = body(produced)
    async for chunk in stream:
        received.append(chunk)
        if stop_after is not None and len(received) >= stop_after:
            await stream.aclose()  # the client left
            break
    return b"".join(received)


def test_spool_hands_over_every_byte_and_releases_before_the_reader_ends():
    producer = Producer()
    produced = spooled(producer.chunks, producer.release)
    assert producer.released.wait(5)  # nobody has read a byte yet: the transaction is over
    assert run_async(_read(produced)) == b"".join(CHUNKS)


def test_spool_stops_the_query_when_the_reader_leaves():
    producer = Producer()
    gate = threading.Event()

    def slow_chunks() -> Iterator[bytes]:
        for chunk in producer.chunks():
            gate.wait(0.01)
            yield chunk

    produced = spooled(slow_chunks, producer.release)
    first = run_async(_read(produced, stop_after=1))
    assert first.startswith(b"chunk 0;")
    assert producer.closed.is_set() and producer.released.is_set()
    assert producer.sent < len(CHUNKS)


def test_spool_raises_the_producers_error_after_its_bytes():
    producer = Producer(fail_at=3)
    produced = spooled(producer.chunks, producer.release)
    with pytest.raises(RuntimeError, match="the query failed"):
        run_async(_read(produced))
    assert producer.released.is_set()
