"""A download between PostgreSQL and a slow client: a temporary file, written and read at once.

A GeoJSON download used to stream straight from the query to the socket, so a client reading at
500 B/s kept its connection idle in transaction for as long as it read, and twenty-five such
clients emptied the pool. Here a thread drains the query into an unlinked temporary file (the
process's temp folder) as fast as PostgreSQL sends it, then ends the transaction; the response
reads the file behind it, from the first chunk on, at whatever pace the client takes. If the
client leaves, the thread stops at its next chunk, which cancels the query.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Final

import anyio

READ_CHUNK: Final = 256 * 1024


class Spool:
    """Bytes appended by one producer thread and read, in order, by one consumer."""

    def __init__(self) -> None:
        # Closed by ``leave``, the reader's last act: no ``with`` block spans both threads.
        self._file = tempfile.TemporaryFile(prefix="download-")  # noqa: SIM115
        self._size = 0
        self._done = False
        self._left = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()

    def append(self, data: bytes) -> bool:
        """Append ``data``; return False once the reader has left (stop producing)."""
        os.pwrite(self._file.fileno(), data, self._size)
        with self._changed:
            self._size += len(data)
            self._changed.notify_all()
            return not self._left

    def finish(self, error: BaseException | None = None) -> None:
        """Mark the end of the bytes (or the error that ended them)."""
        with self._changed:
            self._done = True
            self._error = error
            self._changed.notify_all()

    def read(self, offset: int) -> bytes | None:
        """Return the bytes after ``offset`` (waiting for some), or None at the end.

        Raises:
            BaseException: the error that stopped the producer, once its bytes are read.
        """
        with self._changed:
            while offset == self._size and not self._done:
                self._changed.wait()
            size, error = self._size, self._error
        if offset < size:
            return os.pread(self._file.fileno(), min(size - offset, READ_CHUNK), offset)
        if error is not None:
            raise error
        return None

    def leave(self) -> None:
        """Tell the producer the reader has gone, wait until it has stopped, close the file."""
        with self._changed:
            self._left = True
            while not self._done:
                self._changed.wait()
        self._file.close()


def spooled(produce: Callable[[], Iterator[bytes]], release: Callable[[], None]) -> Spool:
    """Run ``produce`` in a thread of its own into a new spool; ``release`` when it stops.

    ``release`` (ending the transaction) runs in that thread, before the spool says it is
    finished, so nothing else can use the session meanwhile.
    """
    spool = Spool()

    def run() -> None:
        error: BaseException | None = None
        chunks = produce()
        try:
            for chunk in chunks:
                if not spool.append(chunk):
                    break
        except BaseException as failure:  # noqa: BLE001 (handed to the reader, which raises it)
            error = failure
        finally:
            chunks_close = getattr(chunks, "close", None)
            if chunks_close is not None:
                chunks_close()  # a generator stopped early: psycopg cancels the query
            try:
                release()
            finally:
                spool.finish(error)

    threading.Thread(target=run, name="sitereg-download", daemon=True).start()
    return spool


async def body(spool: Spool) -> AsyncIterator[bytes]:
    """Yield the spool's bytes as they come; when the client leaves, stop the producer."""
    offset = 0
    try:
        while (chunk := await anyio.to_thread.run_sync(spool.read, offset)) is not None:
            offset += len(chunk)
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(spool.leave)
