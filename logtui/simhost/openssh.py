"""A real OpenSSH sshd on loopback, for end-to-end tests and benchmarks.

It serves a directory whose `docker` is the script the caller chooses (by default the
simulated docker CLI, `python -m logtui.simhost.docker_cli`), put first on PATH with sshd's
SetEnv, so logtui talks to real OpenSSH and a real shell on the other side. Nothing here
is used by logtui itself.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
"""The folder holding the `logtui` package, for the simulated docker's PYTHONPATH."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "logtui-test", "-f", str(path)],
        check=True,
    )


def sim_docker_script(python: str = sys.executable) -> str:
    """A `docker` that is the simulated Docker CLI (see logtui.simhost.docker_cli)."""
    return (
        "#!/bin/sh\n"
        f"PYTHONPATH={PACKAGE_ROOT}${{PYTHONPATH:+:$PYTHONPATH}} "
        f'exec {python} -m logtui.simhost.docker_cli "$@"\n'
    )


class Sshd:
    """`start()` / `stop()` (or a `with` block); `settings_env()` and `settings()` reach it
    with logtui, `ssh_argv()` with OpenSSH's own client."""

    def __init__(
        self,
        root: Path,
        docker_script: str | None = None,
        *,
        env: dict[str, str] | None = None,
        authorized_options: str = "",
        extra_config: tuple[str, ...] = (),
        address: str = "127.0.0.1",
    ) -> None:
        """`extra_config`: sshd_config lines beyond the test server's own. The server keeps
        OpenSSH's session defaults (`MaxSessions 10`, `MaxStartups 10:30:100`), as production
        servers do; a test that needs another limit says so here, with its reason."""
        self.root = root
        self.extra_config = tuple(extra_config)
        self.address = address
        """The loopback address it listens on (127.0.0.x: one test host each)."""
        self.port = free_port()
        self.env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)
        self.bin = root / "bin"
        self.bin.mkdir(exist_ok=True)
        docker = self.bin / "docker"
        docker.write_text(docker_script or sim_docker_script())
        docker.chmod(0o755)
        self.host_key = root / "host_ed25519"
        self.client_key = root / "client_ed25519"
        for key in (self.host_key, self.client_key):
            if not key.exists():
                keygen(key)
        public = (root / "client_ed25519.pub").read_text().strip()
        (root / "authorized_keys").write_text(
            f"{authorized_options} {public}\n" if authorized_options else public + "\n"
        )
        host_public = (root / "host_ed25519.pub").read_text().split()
        self.known_hosts = root / "known_hosts"
        self.known_hosts.write_text(f"[{address}]:{self.port} {host_public[0]} {host_public[1]}\n")
        self.user = os.environ.get("USER") or "root"
        self.log = root / "sshd.log"

    def config_text(self) -> str:
        path = f"{self.bin}:/usr/local/bin:/usr/bin:/bin"
        # SHLVL=1: bash then runs the command without the machine's ~/.bashrc (which bash reads
        # for commands sent over ssh at shell level 1). The test server is a stock sshd, not
        # this machine's login setup, whose pyenv init serialises every session on one lock.
        values = {"PATH": path, "SHLVL": "1", **self.env}
        set_env = " ".join(f'{k}="{v}"' for k, v in values.items())
        return "\n".join(
            [
                f"Port {self.port}",
                f"ListenAddress {self.address}",
                f"HostKey {self.host_key}",
                f"PidFile {self.root / 'sshd.pid'}",
                f"AuthorizedKeysFile {self.root / 'authorized_keys'}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                f"SetEnv {set_env}",
                *self.extra_config,
                "",
            ]
        )

    def start(self) -> None:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        config = self.root / "sshd_config"
        config.write_text(self.config_text())
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.log.read_text()}")
            with socket.socket() as s:
                if s.connect_ex((self.address, self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("sshd did not start listening")

    def stop(self) -> None:
        """Stop the listener; its per-connection children end with their clients."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def __enter__(self) -> Sshd:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def settings_env(self) -> dict[str, str]:
        """logtui's environment variables that reach this server."""
        return {
            "LOGTUI_HOST": self.address,
            "LOGTUI_PORT": str(self.port),
            "LOGTUI_USER": self.user,
            "LOGTUI_SSH_KEY_FILE": str(self.client_key),
            "LOGTUI_KNOWN_HOSTS": str(self.known_hosts),
            "LOGTUI_AUDIT_LOG": str(self.root / "audit.jsonl"),
        }

    def settings(self, **overrides: Any) -> Any:
        """`logtui.config.Settings` that reach this server (no ~/.ssh/config)."""
        from ..config import Settings

        values: dict[str, Any] = {
            "host": self.address,
            "port": self.port,
            "user": self.user,
            "key_file": str(self.client_key),
            "known_hosts": str(self.known_hosts),
            "use_ssh_config": False,
            "audit_log": self.root / "audit.jsonl",
            "command_timeout": 600.0,
        }
        values.update(overrides)
        return Settings(**values)

    def ssh_argv(self, command: str) -> list[str]:
        """OpenSSH's own client running `command` on this server, host key checked."""
        return [
            "ssh", "-p", str(self.port), "-i", str(self.client_key),
            "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null",
            f"{self.user}@{self.address}", command,
        ]  # fmt: skip
