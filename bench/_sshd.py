"""A real OpenSSH sshd on loopback, for the benchmarks (bench never imports tests).

It serves a directory whose `docker` is the script the benchmark chooses, put first on
PATH with sshd's SetEnv, so logtui talks to real OpenSSH and a real shell.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "logtui-bench", "-f", str(path)],
        check=True,
    )


class Sshd:
    """`start()` / `stop()`; `settings()` reaches it with logtui, `ssh_argv()` with OpenSSH."""

    def __init__(self, root: Path, docker_script: str) -> None:
        self.root = root
        self.port = free_port()
        root.mkdir(parents=True, exist_ok=True)
        self.bin = root / "bin"
        self.bin.mkdir(exist_ok=True)
        docker = self.bin / "docker"
        docker.write_text(docker_script)
        docker.chmod(0o755)
        self.host_key = root / "host_ed25519"
        self.client_key = root / "client_ed25519"
        for key in (self.host_key, self.client_key):
            if not key.exists():
                _keygen(key)
        (root / "authorized_keys").write_text((root / "client_ed25519.pub").read_text())
        host_public = (root / "host_ed25519.pub").read_text().split()
        self.known_hosts = root / "known_hosts"
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {host_public[0]} {host_public[1]}\n")
        self.user = os.environ.get("USER") or "root"
        self.proc: subprocess.Popen[bytes] | None = None

    def _config(self) -> str:
        path = f"{self.bin}:/usr/local/bin:/usr/bin:/bin"
        return "\n".join(
            [
                f"Port {self.port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {self.host_key}",
                f"PidFile {self.root / 'sshd.pid'}",
                f"AuthorizedKeysFile {self.root / 'authorized_keys'}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "MaxSessions 100",
                f'SetEnv PATH="{path}"',
                "",
            ]
        )

    def start(self) -> None:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        config = self.root / "sshd_config"
        config.write_text(self._config())
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "sshd.log").open("ab"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {(self.root / 'sshd.log').read_text()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
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

    def settings(self, **overrides: object):  # -> logtui.config.Settings
        from logtui.config import Settings

        values: dict[str, object] = {
            "host": "127.0.0.1",
            "port": self.port,
            "user": self.user,
            "key_file": str(self.client_key),
            "known_hosts": str(self.known_hosts),
            "use_ssh_config": False,
            "audit_log": self.root / "audit.jsonl",
            "command_timeout": 600.0,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    def ssh_argv(self, command: str) -> list[str]:
        """OpenSSH's own client running `command` on this server, host key checked."""
        return [
            "ssh", "-p", str(self.port), "-i", str(self.client_key),
            "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-F", "/dev/null",
            f"{self.user}@127.0.0.1", command,
        ]  # fmt: skip
