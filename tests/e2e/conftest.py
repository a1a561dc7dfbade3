"""Fixtures of the end-to-end tests: a real container engine and a real sshd in front of it.

Missing software is a skip on a developer's machine and a failure in CI (CI=true), so CI
never passes by silently testing nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from podman import PodmanEngine, PodmanUnavailable, docker_cli

from logtui.simhost.openssh import SSHD, Sshd

REAL_DOCKER_SCRIPT = '#!/bin/sh\nexec {docker} "$@"\n'


def unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"end-to-end prerequisites missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


class VerboseSshd(Sshd):
    """An Sshd that logs at VERBOSE, which records each session a client starts."""

    def config_text(self) -> str:
        return super().config_text() + "LogLevel VERBOSE\n"


@pytest.fixture(scope="session")
def podman_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PodmanEngine]:
    """podman's Docker API on a private socket and storage, for the whole session."""
    engine = PodmanEngine(tmp_path_factory.mktemp("podman"))
    try:
        engine.start()
        engine.check_runs()
    except PodmanUnavailable as exc:
        engine.stop()
        unavailable(str(exc))
    try:
        yield engine
    finally:
        engine.stop()


GUARD = f"{sys.executable} -m logtui.server_guard"
"""`logtui-guard`, run from this checkout."""


@pytest.fixture(scope="session")
def sshd_installed() -> None:
    """OpenSSH's sshd is on this machine (fails in CI, skips elsewhere, when it is not)."""
    if not os.access(SSHD, os.X_OK):
        unavailable(f"no sshd at {SSHD} (install openssh-server: bash .ci/install-e2e.sh)")


def _serving(make: Callable[[str], VerboseSshd]) -> Iterator[VerboseSshd]:
    """Start the sshd that `make(docker_cli_path)` builds; stop it afterwards."""
    docker = docker_cli()
    assert docker is not None  # podman_engine checked it
    server = make(docker)
    try:
        server.start()
    except RuntimeError as exc:
        unavailable(f"sshd did not start: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def real_sshd(
    tmp_path_factory: pytest.TempPathFactory, podman_engine: PodmanEngine, sshd_installed: None
) -> Iterator[VerboseSshd]:
    """A real OpenSSH sshd whose `docker` is the real Docker CLI, talking to podman."""
    yield from _serving(
        lambda docker: VerboseSshd(
            Path(tmp_path_factory.mktemp("real-sshd")),
            docker_script=REAL_DOCKER_SCRIPT.format(docker=docker),
            env={"DOCKER_HOST": podman_engine.docker_host},
        )
    )


@pytest.fixture(scope="session")
def guarded_real_sshd(
    tmp_path_factory: pytest.TempPathFactory, podman_engine: PodmanEngine, sshd_installed: None
) -> Iterator[VerboseSshd]:
    """As `real_sshd`, but the client key is forced through `logtui-guard` (authorized_keys)."""
    root = Path(tmp_path_factory.mktemp("guarded-real-sshd"))
    yield from _serving(
        lambda docker: VerboseSshd(
            root,
            docker_script="#!/bin/sh\nexit 99\n",  # never used: the guard runs docker itself
            env={
                "DOCKER_HOST": podman_engine.docker_host,
                "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            },
            authorized_options=(
                f'command="{GUARD} --docker {docker} --audit-log {root / "guard.jsonl"}",restrict'
            ),
        )
    )
