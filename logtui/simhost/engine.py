"""What the Engine API reports about a container: `docker inspect`'s document, ports, sizes.

Keys come in the Engine's order (Docker 28, API 1.50), so that the printed JSON matches a
real daemon's byte for byte once indented as the CLI does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from .dockerfmt import GO_ZERO_TIME, NS, rfc3339nano
from .workload import Container


def container_sizes(c: Container) -> tuple[int, int]:
    """(SizeRw, SizeRootFs): the writable layer and the whole filesystem, in bytes."""
    seed = int(c.id[:8], 16)
    rw = seed % 90_000 if c.running else seed % 5_000
    return rw, 40_000_000 + seed % 900_000_000


def display_ports(c: Container) -> str:
    """docker/cli's DisplayablePorts, for ports bound on 0.0.0.0 and [::] as Docker 28 does.

    Ordered by container port; same-number bindings first, then remapped ones. (Docker
    also folds runs of consecutive ports into ranges; the demo has none.)
    """
    grouped, remapped = [], []
    for port in sorted(c.ports, key=lambda p: (p.container_port, p.proto)):
        if port.host_port is None:
            grouped.append(f"{port.container_port}/{port.proto}")
            continue
        binding = f"{port.host_port}->{port.container_port}/{port.proto}"
        target = grouped if port.host_port == port.container_port else remapped
        target += [f"{port.host_ip or '0.0.0.0'}:{binding}", f"[::]:{binding}"]
    return ", ".join(grouped + remapped)


def _split_command(command: Sequence[str]) -> tuple[list[str] | None, list[str]]:
    """(Entrypoint, Cmd): images with an entrypoint script run it with the command as args."""
    if command and command[0].endswith("entrypoint.sh"):
        return [command[0]], list(command[1:])
    return None, list(command)


def inspect_data(c: Container, now_ns: int) -> dict[str, Any]:
    """`docker inspect` of one container, keys in the Engine API's order."""
    image_id = "sha256:" + hashlib.sha256(c.image.encode()).hexdigest()
    entrypoint, cmd = _split_command(c.command)
    started = rfc3339nano(c.started_ns or c.created_ns)
    state: dict[str, Any] = {
        "Status": c.state,
        "Running": c.running,
        "Paused": False,
        "Restarting": False,
        "OOMKilled": False,
        "Dead": False,
        "Pid": (int(c.id[:4], 16) % 30000 + 1000) if c.running else 0,
        "ExitCode": 0 if c.running else c.exit_code,
        "Error": "",
        "StartedAt": started,
        "FinishedAt": GO_ZERO_TIME if c.finished_ns is None else rfc3339nano(c.finished_ns),
    }
    if c.health:
        probe = (now_ns // (30 * NS)) * 30 * NS
        state["Health"] = {
            "Status": c.health,
            "FailingStreak": 0,
            "Log": [
                {
                    "Start": rfc3339nano(probe + 1_234_567),
                    "End": rfc3339nano(probe + 41_234_567),
                    "ExitCode": 0,
                    "Output": "ok\n",
                }
            ],
        }
    exposed = {f"{p.container_port}/{p.proto}": {} for p in c.ports}
    bindings = {
        f"{p.container_port}/{p.proto}": [{"HostIp": "", "HostPort": str(p.host_port)}]
        for p in c.ports
        if p.host_port is not None
    }
    net_ports: dict[str, Any] = {}
    for p in c.ports if c.running else ():
        key = f"{p.container_port}/{p.proto}"
        net_ports[key] = (
            None
            if p.host_port is None
            else [
                {"HostIp": "0.0.0.0", "HostPort": str(p.host_port)},
                {"HostIp": "::", "HostPort": str(p.host_port)},
            ]
        )
    endpoint = hashlib.sha256(f"ep:{c.id}".encode()).hexdigest() if c.running else ""
    ip = c.ip_address if c.running else ""
    mac = f"02:42:ac:11:00:{int(c.id[:2], 16):02x}" if c.running else ""
    config: dict[str, Any] = {
        "Hostname": c.id[:12],
        "Domainname": "",
        "User": "",
        "AttachStdin": False,
        "AttachStdout": True,
        "AttachStderr": True,
    }
    if exposed:
        config["ExposedPorts"] = exposed
    config.update(
        {
            "Tty": False,
            "OpenStdin": False,
            "StdinOnce": False,
            "Env": [*c.env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": cmd,
            "Image": c.image,
            "Volumes": {m.destination: {} for m in c.mounts} or None,
            "WorkingDir": "/app" if c.image.startswith("registry.") else "",
            "Entrypoint": entrypoint,
            "OnBuild": None,
            "Labels": dict(sorted(c.labels.items())),
        }
    )
    return {
        "Id": c.id,
        "Created": rfc3339nano(c.created_ns),
        "Path": c.command[0] if c.command else "",
        "Args": list(c.command[1:]),
        "State": state,
        "Image": image_id,
        "ResolvConfPath": f"/var/lib/docker/containers/{c.id}/resolv.conf",
        "HostnamePath": f"/var/lib/docker/containers/{c.id}/hostname",
        "HostsPath": f"/var/lib/docker/containers/{c.id}/hosts",
        "LogPath": f"/var/lib/docker/containers/{c.id}/{c.id}-json.log",
        "Name": "/" + c.name,
        "RestartCount": c.restart_count,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "docker-default",
        "ExecIDs": None,
        "HostConfig": {
            "Binds": None,
            "ContainerIDFile": "",
            "LogConfig": {"Type": "json-file", "Config": {}},
            "NetworkMode": c.network,
            "PortBindings": bindings,
            "RestartPolicy": {"Name": "unless-stopped" if c.running else "no", "MaximumRetryCount": 0},
            "AutoRemove": False,
            "Privileged": False,
            "ReadonlyRootfs": False,
            "Memory": 0,
            "NanoCpus": 0,
        },
        "GraphDriver": {
            "Data": {"MergedDir": f"/var/lib/docker/overlay2/{c.id[:32]}/merged"},
            "Name": "overlay2",
        },
        "Mounts": [
            {
                "Type": m.kind,
                "Name": m.name,
                "Source": f"/var/lib/docker/volumes/{m.name}/_data",
                "Destination": m.destination,
                "Driver": "local",
                "Mode": "z",
                "RW": True,
                "Propagation": "",
            }
            for m in c.mounts
        ],
        "Config": config,
        "NetworkSettings": {
            "Bridge": "",
            "SandboxID": hashlib.sha256(f"sb:{c.id}".encode()).hexdigest() if c.running else "",
            "SandboxKey": f"/var/run/docker/netns/{c.id[:12]}" if c.running else "",
            "Ports": net_ports,
            "HairpinMode": False,
            "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0,
            "SecondaryIPAddresses": None,
            "SecondaryIPv6Addresses": None,
            "EndpointID": endpoint,
            "Gateway": "172.17.0.1" if c.running else "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "IPAddress": ip,
            "IPPrefixLen": 16 if c.running else 0,
            "IPv6Gateway": "",
            "MacAddress": mac,
            "Networks": {
                c.network: {
                    "IPAMConfig": None,
                    "Links": None,
                    "Aliases": None,
                    "MacAddress": mac,
                    "DriverOpts": None,
                    "GwPriority": 0,
                    "NetworkID": hashlib.sha256(f"net:{c.network}".encode()).hexdigest(),
                    "EndpointID": endpoint,
                    "Gateway": "172.17.0.1" if c.running else "",
                    "IPAddress": ip,
                    "IPPrefixLen": 16 if c.running else 0,
                    "IPv6Gateway": "",
                    "GlobalIPv6Address": "",
                    "GlobalIPv6PrefixLen": 0,
                    "DNSNames": None,
                }
            },
        },
    }
