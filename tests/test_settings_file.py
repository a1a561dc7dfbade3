"""The dashboard's settings file: read, written back, and refused clearly when it is bad."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logtui import cli
from logtui.settings_file import (
    KEYS,
    ConfigError,
    ViewSettings,
    default_path,
    dumps,
    format_window,
    load,
    parse_window,
    save,
)


def test_defaults_when_there_is_no_file(tmp_path: Path) -> None:
    assert load(tmp_path / "config.toml") == ViewSettings()
    with pytest.raises(ConfigError, match="no such settings file"):
        load(tmp_path / "config.toml", missing_ok=False)


def test_xdg_config_home_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_path() == tmp_path / "logtui" / "config.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")  # not absolute: ignored, as the spec says
    assert default_path() == Path.home() / ".config" / "logtui" / "config.toml"


def test_a_file_written_by_hand_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'wrap = true\ntime = "relative"\nwindow = "15m"\nhighlight = ["timeout", "5\\\\d\\\\d"]\n'
    )
    assert load(path) == ViewSettings(
        wrap=True, time="relative", window=0.25, highlight=["timeout", r"5\d\d"]
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("wrap = yes\n", "not valid TOML: .*line 1"),
        ("wrap = true\nwarp = false\n", "unknown setting `warp` \\(known: wrap, time, raw"),
        ('wrap = "true"\n', '`wrap` must be true or false, not "true"'),
        ('time = "local"\n', '`time` must be "absolute" or "relative" or "hidden"'),
        ('window = "2 weeks"\n', "`window` must be a number of hours or a duration"),
        ("window = 0\n", "`window` must be more than 0"),
        ('highlight = "timeout"\n', "`highlight` must be a list of non-empty strings"),
        ('highlight = [""]\n', "`highlight` must be a list of non-empty strings"),
        ("highlight = [" + ", ".join(['"x"'] * 9) + "]\n", "at most 8 terms"),
        ("[view]\nwrap = true\n", "unknown setting `view`"),
    ],
)
def test_a_bad_file_is_a_clear_error(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=says) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_not_a_settings_file_at_all(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a regular file"):
        load(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):  # would block the start
        load(fifo)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"wrap = true\n\xff\xfe")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load(binary)
    huge = tmp_path / "huge.toml"
    huge.write_text("# " + "x" * 70_000)
    with pytest.raises(ConfigError, match="larger than 64 KiB"):
        load(huge)


@given(
    st.builds(
        ViewSettings,
        wrap=st.booleans(),
        time=st.sampled_from(["absolute", "relative", "hidden"]),
        raw=st.booleans(),
        containers=st.booleans(),
        zoom=st.booleans(),
        window=st.sampled_from([0.25, 1.0, 6.0, 24.0, 1.5, 0.5, 48.0]),
        highlight=st.lists(
            st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30).filter(str.strip),
            max_size=8,
        ),
    )
)
def test_what_is_written_reads_back_the_same(settings: ViewSettings) -> None:
    text = dumps(settings)
    document = tomllib.loads(text)
    assert set(document) == set(KEYS)
    assert document["highlight"] == settings.highlight  # quotes, backslashes, controls escaped
    assert parse_window(document["window"]) == pytest.approx(settings.window)


def test_save_is_atomic_and_creates_the_directory(tmp_path: Path) -> None:
    path = tmp_path / "new" / "logtui" / "config.toml"
    settings = ViewSettings(wrap=True, time="hidden", containers=False, window=6.0, highlight=['a"b\\c'])
    save(settings, path)
    assert load(path) == settings
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary file left


def test_windows_read_and_written() -> None:
    assert [parse_window(v) for v in ("15m", "1h", "6h", "24h", "2d", 3, "90min")] == [
        0.25,
        1.0,
        6.0,
        24.0,
        48.0,
        3.0,
        1.5,
    ]
    assert [format_window(h) for h in (0.25, 1.0, 6.0, 1.5, 48.0)] == ["15m", "1h", "6h", "90m", "48h"]


def test_the_cli_refuses_a_bad_file_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('wrap = true\ntime = "sideways"\n')
    assert cli.main(["--config", str(bad), "demo"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("logtui: error: ") and str(bad) in err and "`time` must be" in err
    assert cli.main(["--config", str(tmp_path / "missing.toml")]) == cli.EXIT_USAGE
    assert "no such settings file" in capsys.readouterr().err


def test_the_cli_hands_the_settings_to_the_dashboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('window = "6h"\nwrap = true\n')
    seen: dict[str, object] = {}

    def fake_run(settings: object, **options: object) -> int:
        seen.update(options)
        return 0

    import logtui.tui

    monkeypatch.setattr(logtui.tui, "run_dashboard", fake_run)
    assert cli.main(["--config", str(path), "demo"]) == 0
    assert seen["config_path"] == path and seen["window_hours"] == 6.0
    assert seen["view"] == ViewSettings(wrap=True, window=6.0)
