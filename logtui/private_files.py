"""Append-only files of our own (audit logs, the dashboard log): private, never through a link.

A log path may come from a setting, and its directory may be shared: opening it must not
follow a symlink planted there (to ~/.bashrc, say), block on a FIFO, write to a device, or
leave the file readable by others. No dependencies: `logtui-guard` uses it on the server.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import IO

_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def open_private_append(path: Path, *, buffering: int = 1) -> IO[str]:
    """Open `path` for appending text: created 0600 (its directory 0700), a regular file only.

    Raises OSError when the path is a symlink, a FIFO, a device or a directory. An existing
    file of ours that others could read is made private.
    """
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, _FLAGS, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW
            raise OSError(exc.errno, "a symbolic link; refusing to write through it", str(path)) from None
        if exc.errno == errno.ENXIO:  # O_NONBLOCK: a FIFO nobody reads
            raise OSError(exc.errno, "not a regular file; refusing to write to it", str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file; refusing to write to it", str(path))
        os.set_blocking(fd, True)
        if info.st_uid == os.geteuid() and info.st_mode & 0o077:
            os.fchmod(fd, stat.S_IMODE(info.st_mode) & 0o600)
        return open(fd, "a", encoding="utf-8", buffering=buffering)
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise
