"""Scripted content for the `docker` program, read from a JSON file.

The e2e `docker` (`python -m logtui.simhost.docker_cli`) runs once per command, so its state
comes from the environment: LOGTUI_SIM_SEED (default 0) seeds the demo workload, and
LOGTUI_SIM_SCENARIO may name a JSON file like this (every key optional):

    {
      "seed": 0,                       // wins over LOGTUI_SIM_SEED
      "default_containers": true,      // include the demo workload
      "daemon": "up",                  // "up" | "down" | "permission_denied"
      "containers": [                  // scripted containers; a demo one of the same name is replaced
        {
          "name": "web-app",
          "image": "busybox:latest",
          "command": ["sh", "-c", "exec app"],
          "created": "2025-08-16T10:00:00Z",     // RFC 3339 or Unix seconds
          "state": "running",                    // or "exited", with "exit_code" and "finished"
          "exit_code": 0,
          "finished": 1755340000.5,
          "env": ["KEY=value"],
          "labels": {"com.example": "x"},
          "lines": [
            {"ts": "2025-08-16T14:30:22.123456789Z", "stream": "stdout", "text": "hello"},
            {"ts": 1755354622.5, "stream": "stderr", "b64": "/w=="}   // raw bytes, base64
          ]
        }
      ],
      "bulk": [{"name": "bulk", "history_lines": 100000, "period_s": 3600}]
    }

A line whose `ts` is in the future appears when the clock reaches it, so a test can script
what a `--follow` will see. Times the file leaves out are anchored on the current hour, so
separate invocations within one hour agree.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .docker_cli import SimDocker
from .dockerfmt import NS, parse_docker_time
from .workload import HOUR_NS, BulkContainer, ScriptedContainer, default_containers


def _time(value: Any, now_ns: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{what}: expected RFC 3339 text or Unix seconds, got {value!r}")
    try:
        return parse_docker_time(str(value), now_ns)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


def _scripted(spec: Mapping[str, Any], seed: int, now_ns: int) -> ScriptedContainer:
    name = spec.get("name")
    if not isinstance(name, str):
        raise ValueError(f"scenario container without a name: {spec!r}")
    lines = spec.get("lines", [])
    stamps = [_time(line.get("ts"), now_ns, f"{name} line ts") for line in lines]
    anchor = now_ns // HOUR_NS * HOUR_NS
    created = (
        _time(spec["created"], now_ns, f"{name} created")
        if "created" in spec
        else min([anchor, *stamps]) - 60 * NS
    )
    container = ScriptedContainer(
        name=name,
        image=spec.get("image", "busybox:latest"),
        command=tuple(spec.get("command", ("sh",))),
        created_ns=created,
        seed=seed,
        env=tuple(spec.get("env", ())),
        labels=dict(spec.get("labels", {})),
    )
    for line, ts in zip(lines, stamps, strict=True):
        data = base64.b64decode(line["b64"]) if "b64" in line else line.get("text", "")
        container.write(data, line.get("stream", "stdout"), ts_ns=ts)
    if spec.get("state", "running") == "exited":
        finished = spec.get("finished")
        end = (
            _time(finished, now_ns, f"{name} finished")
            if finished is not None
            else max([created, *stamps]) + NS
        )
        container.exit_code = int(spec.get("exit_code", 0))
        container.finished_ns = end
    return container


def build_docker(scenario: Mapping[str, Any], *, seed: int = 0, now_ns: int | None = None) -> SimDocker:
    """A `SimDocker` for a scenario (see the module docstring)."""
    now = time.time_ns() if now_ns is None else now_ns
    seed = int(scenario.get("seed", seed))
    docker = SimDocker()
    if scenario.get("default_containers", True):
        for container in default_containers(seed, now_ns=now):
            docker.add(container)
    for spec in scenario.get("containers", []):
        docker.add(_scripted(spec, seed, now))
    anchor = now // HOUR_NS * HOUR_NS
    for spec in scenario.get("bulk", []):
        docker.add(
            BulkContainer(
                name=spec.get("name", "bulk"),
                history_lines=int(spec.get("history_lines", 100_000)),
                period_s=float(spec.get("period_s", 3600.0)),
                created_ns=anchor,
                seed=seed,
            )
        )
    daemon = scenario.get("daemon", "up")
    if daemon not in ("up", "down", "permission_denied"):
        raise ValueError(f"scenario daemon must be up, down or permission_denied, not {daemon!r}")
    docker.daemon_down = daemon == "down"
    docker.permission_denied = daemon == "permission_denied"
    return docker


def docker_from_environment(env: Mapping[str, str]) -> SimDocker:
    """The `docker` program's daemon: LOGTUI_SIM_SEED and LOGTUI_SIM_SCENARIO."""
    raw_seed = env.get("LOGTUI_SIM_SEED", "0") or "0"
    try:
        seed = int(raw_seed)
    except ValueError:
        raise ValueError(f"LOGTUI_SIM_SEED={raw_seed!r} is not an integer") from None
    path = env.get("LOGTUI_SIM_SCENARIO")
    scenario: dict[str, Any] = {}
    if path:
        try:
            scenario = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"LOGTUI_SIM_SCENARIO={path!r}: {exc}") from None
    return build_docker(scenario, seed=seed)
