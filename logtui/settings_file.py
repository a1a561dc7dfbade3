"""The dashboard's remembered settings: `~/.config/logtui/config.toml` (or `--config PATH`).

Only how the dashboard shows logs lives here (wrap, time display, panes, the default time
window, highlight terms): where to connect, keys and trust stay in the environment, so a
settings file can never point logtui at another server. Read with `tomllib`; written by
logtui itself, minimally (a handful of scalar keys needs no TOML library), atomically.
A file logtui cannot use is an error naming the file, the line or the key, and what is
allowed: never silently ignored, never half applied.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

TIME_MODES: tuple[str, ...] = ("absolute", "relative", "hidden")
"""How the log pane shows each entry's time: `14:03:07.123`, `-3m`, or not at all."""
MAX_HIGHLIGHTS = 8
"""Highlight terms at most (each has its own colour)."""
MAX_TERM_CHARS = 200
MAX_FILE_BYTES = 64 * 1024
"""A settings file is a few hundred bytes; anything far larger is not one."""
MAX_WINDOW_HOURS = 24 * 366
_WINDOW_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(m|min|h|d)?", re.IGNORECASE)


class ConfigError(ValueError):
    """The settings file cannot be used; the message names the file and what is wrong."""


@dataclass
class ViewSettings:
    """What the dashboard remembers between runs (the defaults are a first run's)."""

    wrap: bool = False
    """Wrap long lines (False: they scroll sideways)."""
    time: str = "absolute"
    """One of TIME_MODES."""
    raw: bool = False
    """Show lines as written, including their own timestamp, level and JSON."""
    containers: bool = True
    """Show the containers pane."""
    zoom: bool = False
    """The log pane fills the screen."""
    window: float = 1.0
    """The time window the dashboard opens with, in hours."""
    highlight: list[str] = field(default_factory=list)
    """Terms marked in every line (text or regex), each in its own colour."""
    hosts: list[str] = field(default_factory=list)
    """Servers to watch when neither `--host` nor LOGTUI_HOSTS names any (aliases or
    user@host[:port]); keys and trust still come from the environment."""


KEYS: tuple[str, ...] = tuple(f.name for f in fields(ViewSettings))


def default_path() -> Path:
    """`$XDG_CONFIG_HOME/logtui/config.toml`, or `~/.config/logtui/config.toml`."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "logtui" / "config.toml"


def parse_window(value: object) -> float:
    """A time window: hours as a number, or `15m`, `1h`, `6h`, `2d`; ValueError if not."""
    hours: float
    if isinstance(value, bool):
        raise ValueError("a number of hours or a duration such as 15m, 1h, 6h, 24h")
    if isinstance(value, int | float):
        hours = float(value)
    elif isinstance(value, str) and (match := _WINDOW_RE.fullmatch(value.strip())):
        unit = (match.group(2) or "h").lower()
        hours = float(match.group(1)) * {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0}[unit]
    else:
        raise ValueError("a number of hours or a duration such as 15m, 1h, 6h, 24h")
    if math.isnan(hours) or not 0 < hours <= MAX_WINDOW_HOURS:
        raise ValueError(f"more than 0 and at most {MAX_WINDOW_HOURS} hours")
    return hours


def format_window(hours: float) -> str:
    """`0.25` -> `15m`, `6.0` -> `6h`, `1.5` -> `90m`."""
    minutes = hours * 60
    if hours >= 1 and float(hours).is_integer():
        return f"{int(hours)}h"
    if float(minutes).is_integer():
        return f"{int(minutes)}m"
    return f"{hours:g}h"


def _checked(path: Path, key: str, value: Any) -> Any:
    """One setting's value as ViewSettings holds it; ConfigError naming the key if bad."""

    def bad(expected: str) -> ConfigError:
        shown = repr(value) if not isinstance(value, str) else f'"{value}"'
        return ConfigError(f"{path}: `{key}` must be {expected}, not {shown[:80]}")

    if key in ("wrap", "raw", "containers", "zoom"):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if key == "time":
        if value not in TIME_MODES:
            raise bad(" or ".join(f'"{m}"' for m in TIME_MODES))
        return value
    if key == "window":
        try:
            return parse_window(value)
        except ValueError as exc:
            raise bad(str(exc)) from None
    if key == "highlight":
        if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
            raise bad("a list of non-empty strings")
        if len(value) > MAX_HIGHLIGHTS or any(len(t) > MAX_TERM_CHARS for t in value):
            raise bad(f"at most {MAX_HIGHLIGHTS} terms of at most {MAX_TERM_CHARS} characters")
        return list(value)
    if key == "hosts":
        from .hosts import MAX_HOSTS, parse_host_spec

        if not isinstance(value, list) or not all(isinstance(h, str) and h.strip() for h in value):
            raise bad("a list of hosts (ssh-config aliases or user@host[:port])")
        if len(value) > MAX_HOSTS or len(set(value)) != len(value):
            raise bad(f"at most {MAX_HOSTS} different hosts")
        for host in value:
            try:
                parse_host_spec(host)
            except ValueError as exc:
                raise bad(str(exc)) from None
        return list(value)
    raise ConfigError(f"{path}: unknown setting `{key}` (known: {', '.join(KEYS)})")


def load(path: Path, *, missing_ok: bool = True) -> ViewSettings:
    """The settings in `path`; defaults when it does not exist (and `missing_ok`).

    Raises ConfigError for anything else that keeps the file from being used as written.
    """
    try:
        if not path.exists():
            if missing_ok:
                return ViewSettings()
            raise ConfigError(f"{path}: no such settings file (an empty file starts from the defaults)")
        if not path.is_file():  # a FIFO would block the start, a directory is a mistake
            raise ConfigError(f"{path}: not a regular file")
        data = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_FILE_BYTES // 1024} KiB; not a logtui settings file")
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    values = {key: _checked(path, key, value) for key, value in document.items()}
    return ViewSettings(**values)


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            continue  # a lone surrogate has no UTF-8 form (and no place in a term)
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def dumps(settings: ViewSettings) -> str:
    """The settings as the TOML text logtui writes (every key, with what it means)."""
    terms = ", ".join(_toml_string(t) for t in settings.highlight)
    return (
        "# logtui dashboard settings; logtui rewrites this file when you change them with a key.\n"
        "# wrap, raw, containers, zoom: true or false. time: absolute, relative or hidden.\n"
        "# window: 15m, 1h, 6h, 24h (or any number of hours). highlight: terms, text or regex.\n"
        '# hosts (optional): servers to watch, e.g. ["prod-1", "deploy@10.0.0.7:2222"].\n'
        f"wrap = {str(settings.wrap).lower()}\n"
        f"time = {_toml_string(settings.time)}\n"
        f"raw = {str(settings.raw).lower()}\n"
        f"containers = {str(settings.containers).lower()}\n"
        f"zoom = {str(settings.zoom).lower()}\n"
        f"window = {_toml_string(format_window(settings.window))}\n"
        f"highlight = [{terms}]\n"
        f"hosts = [{', '.join(_toml_string(h) for h in settings.hosts)}]\n"
    )


def save(settings: ViewSettings, path: Path) -> None:
    """Write `settings` to `path` atomically (a temporary file renamed over it); OSError if
    the directory cannot be made or written."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dumps(settings))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
