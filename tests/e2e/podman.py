"""A real container engine for end-to-end tests: podman's Docker API behind the real Docker CLI.

Everything lives under one private directory (storage root, run root, socket, config), so
tests neither see nor disturb other containers on the machine, and `stop()` leaves nothing
behind: containers, mounts and the API service are all gone. The image is busybox, built
from the static busybox binary, so no registry is needed. Facts and workarounds come from
/work/shared/notes/real-host-recipe.md (runc instead of crun, cgroupfs, file events, ulimits).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import tarfile
import time
from pathlib import Path

IMAGE = "localhost/busybox:latest"

CONTAINERS_CONF = """\
[containers]
# no CAP_SYS_RESOURCE in a sandbox: keep the limits podman sets within what we have
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"
netns = "none"

[engine]
# crun 1.8 refuses hybrid cgroup hosts; runc works
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""


class PodmanUnavailable(RuntimeError):
    """podman, the docker CLI or busybox is missing or does not work on this machine."""


def docker_cli() -> str | None:
    """The real Docker CLI (client only), if installed."""
    if os.access("/usr/local/bin/docker", os.X_OK):
        return "/usr/local/bin/docker"
    return shutil.which("docker")


def _busybox() -> str | None:
    for candidate in ("/bin/busybox", "/usr/bin/busybox"):
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("busybox")


def _build_rootfs_tar(busybox: str, target: Path) -> None:
    """A minimal busybox root filesystem (every applet a symlink) as a tar for `podman import`."""
    applets = subprocess.run([busybox, "--list"], check=True, capture_output=True, text=True).stdout.split()
    with tarfile.open(target, "w") as tar:
        for directory in ("bin", "tmp", "etc", "proc", "sys", "dev"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        tar.add(busybox, arcname="bin/busybox")
        for applet in applets:
            if applet == "busybox":
                continue
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
        passwd = b"root:x:0:0:root:/:/bin/sh\n"
        info = tarfile.TarInfo("etc/passwd")
        info.size, info.mode = len(passwd), 0o644
        tar.addfile(info, io.BytesIO(passwd))


class PodmanEngine:
    """podman's API service on a private unix socket, with a private storage root.

    `start()` then `run(name, script)`; `docker(...)` runs the real Docker CLI against it;
    `stop()` removes every container and stops the service.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket = root / "podman.sock"
        self.docker_host = f"unix://{self.socket}"
        self.conf = root / "containers.conf"
        self.service_log = root / "podman-service.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._storage_driver: str | None = None
        self._podman = shutil.which("podman")
        self._docker = docker_cli()

    # -- commands ----------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DOCKER_CONTEXT"}
        env.update(CONTAINERS_CONF=str(self.conf), DOCKER_HOST=self.docker_host)
        return env

    def _podman_argv(self, *args: str) -> list[str]:
        assert self._podman is not None
        argv = [
            self._podman,
            "--root",
            str(self.root / "storage"),
            "--runroot",
            str(self.root / "run"),
            "--tmpdir",
            str(self.root / "tmp"),
        ]
        if self._storage_driver:
            argv += ["--storage-driver", self._storage_driver]
        return [*argv, *args]

    def podman(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._podman_argv(*args),
            env=self._env(),
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def docker(self, *args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """The real Docker CLI against this engine."""
        assert self._docker is not None
        return subprocess.run(
            [self._docker, *args],
            env=self._env(),
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        """Write the config, import the image, start the API; PodmanUnavailable if impossible."""
        missing = [
            what
            for what, found in (
                ("podman", self._podman),
                ("the docker CLI", self._docker),
                ("busybox (busybox-static)", _busybox()),
            )
            if not found
        ]
        if missing:
            raise PodmanUnavailable(
                f"not installed: {', '.join(missing)} (run `bash .ci/install-e2e.sh` as root)"
            )
        if os.geteuid() != 0:
            raise PodmanUnavailable("these tests run rootful podman and need root")
        self.root.mkdir(parents=True, exist_ok=True)
        if len(str(self.socket)) > 100:
            raise PodmanUnavailable(f"socket path too long for a unix socket: {self.socket}")
        self.conf.write_text(CONTAINERS_CONF)
        rootfs = self.root / "rootfs.tar"
        _build_rootfs_tar(_busybox() or "", rootfs)
        self._import_image(rootfs)
        self._start_service()

    def _import_image(self, rootfs: Path) -> None:
        """Import busybox; if overlay storage is impossible here (overlay on overlay), use vfs."""
        errors = []
        for driver in (None, "vfs"):
            self._storage_driver = driver
            result = self.podman(
                "import",
                "--change",
                'CMD ["/bin/sh"]',
                "--change",
                "ENV PATH=/bin",
                str(rootfs),
                IMAGE,
                check=False,
            )
            if result.returncode == 0:
                return
            errors.append(f"{driver or 'default'} storage: {result.stderr.strip()[-400:]}")
            self._reset_storage()
        raise PodmanUnavailable("podman import failed: " + " | ".join(errors))

    def _start_service(self) -> None:
        with self.service_log.open("ab") as log:
            self.proc = subprocess.Popen(
                self._podman_argv("system", "service", "--time=0", self.docker_host),
                env=self._env(),
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PodmanUnavailable(
                    f"podman system service exited: {self.service_log.read_text()[-800:]}"
                )
            if self._ping():
                return
            time.sleep(0.02)
        raise PodmanUnavailable(f"podman API did not answer on {self.socket}")

    def _ping(self) -> bool:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(1)
            try:
                s.connect(str(self.socket))
                s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
                return s.recv(64).startswith(b"HTTP/1.")
            except OSError:
                return False

    def check_runs(self) -> None:
        """Run one throwaway container, so a broken runtime is reported as such, early."""
        result = self.docker("run", "--rm", "--network", "none", IMAGE, "sh", "-c", "echo ok", check=False)
        if result.returncode != 0 or result.stdout.strip() != "ok":
            raise PodmanUnavailable(f"podman cannot run a container here: {result.stderr.strip()[-800:]}")

    def run(self, name: str, script: str, *, mounts: dict[Path, str] | None = None) -> str:
        """Start a detached busybox container running `sh -c script`; returns its ID.

        `mounts` bind-mounts host directories (host path -> container path), e.g. a
        directory the test drops a trigger file into: no `docker exec` is needed, whose
        helper process would outlive the engine.
        """
        volumes = [arg for host, inside in (mounts or {}).items() for arg in ("-v", f"{host}:{inside}")]
        result = self.docker(
            "run", "-d", "--name", name, "--network", "none", *volumes, IMAGE, "sh", "-c", script
        )
        return result.stdout.strip()

    def remove(self, name: str) -> None:
        self.docker("rm", "--force", name, check=False)

    def wait_exit(self, name: str, timeout: float = 20) -> int:
        """Block until the container exits; its exit status."""
        return int(self.docker("wait", name, timeout=timeout).stdout.strip())

    def logs(self, name: str) -> tuple[str, str]:
        """Both streams as the real CLI gives them (no timestamps)."""
        result = self.docker("logs", name)
        return result.stdout, result.stderr

    def wait_for_lines(self, name: str, count: int, timeout: float = 20) -> None:
        """Until `name` has written at least `count` lines on its two streams together."""
        deadline = time.monotonic() + timeout
        while True:
            out, err = self.logs(name)
            if out.count("\n") + err.count("\n") >= count:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} wrote {out!r} {err!r}, expected {count} lines")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the service, remove all containers and the storage, unmount what is left."""
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            self.proc = None
        if self._podman is not None and self.conf.exists():
            self._reset_storage()

    def _reset_storage(self) -> None:
        """`podman system reset`: kills and removes containers, unmounts and deletes storage."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.podman("system", "reset", "--force", check=False, timeout=60)
        for mount in reversed(_mounts_under(self.root)):
            subprocess.run(["umount", "-l", mount], check=False, capture_output=True)
        for sub in ("storage", "run", "tmp"):
            shutil.rmtree(self.root / sub, ignore_errors=True)


def _mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve()) + "/"
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    points = [line.split()[1] for line in lines if len(line.split()) > 1]
    return [p for p in points if (p + "/").startswith(prefix)]
