"""Temporary files of downloads and uploads: one folder per server process, swept by age.

Every temporary file of the process (export folders, uploads being read, multipart bodies
spooled by Starlette) goes under ``<temp_dir>/proc-<pid>``: ``tempfile.tempdir`` points there.
A process that was killed cannot clean up, so each start-up, and every hour, the sweep removes
the folders of processes that no longer run, and anything older than ``temp_max_age_hours``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from fastapi import FastAPI

from app.settings import Settings

logger = logging.getLogger(__name__)

SWEEP_EVERY_S: Final = 3600.0
_PROCESS_FOLDER = re.compile(r"proc-(\d+)")


def use_process_folder(root: Path) -> Path:
    """Create this process's folder under ``root`` and make it ``tempfile``'s default."""
    folder = root / f"proc-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    tempfile.tempdir = str(folder)
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: it runs
    return True


def _older_than(path: Path, cutoff: float) -> bool:
    try:
        return path.lstat().st_mtime < cutoff
    except FileNotFoundError:
        return False


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def sweep(root: Path, *, max_age_s: float, now: float | None = None) -> int:
    """Remove dead processes' folders, and entries older than ``max_age_s``; return how many.

    A live process's folder stays; only its old entries go (a download that never finished).
    """
    if not root.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - max_age_s
    removed = 0
    for entry in root.iterdir():
        owner = _PROCESS_FOLDER.fullmatch(entry.name)
        if owner and entry.is_dir() and _alive(int(owner.group(1))):
            stale = [inner for inner in entry.iterdir() if _older_than(inner, cutoff)]
        else:
            stale = [entry] if owner or _older_than(entry, cutoff) else []
        for path in stale:
            _remove(path)
        removed += len(stale)
    return removed


def start_temp_sweeper(app: FastAPI, settings: Settings) -> asyncio.Task[None]:
    """Use a folder of this process's own, sweep now, then every hour until cancelled."""
    root = settings.temp_dir
    app.state.temp_folder = use_process_folder(root)
    max_age_s = settings.temp_max_age_hours * 3600

    async def run() -> None:
        while True:
            removed = await asyncio.to_thread(sweep, root, max_age_s=max_age_s)
            if removed:
                logger.info("temp sweep removed %s stale entries under %s", removed, root)
            await asyncio.sleep(SWEEP_EVERY_S)

    return asyncio.get_running_loop().create_task(run(), name="sitereg-temp-sweeper")


@contextmanager
def work_folder() -> Iterator[Path]:
    """Yield a new private folder (in the process's folder); remove it if the block fails.

    On success the caller owns the folder and removes it once its file has been sent.
    """
    folder = Path(tempfile.mkdtemp(prefix="export-"))
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
