"""Run the simulated host until interrupted: `python -m logtui.simhost [--port N] [--dir D]`.

Writes the client key and a known_hosts file into `--dir` (a new temporary directory by
default) and prints the variables that point logtui, or `ssh`, at the host.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
from pathlib import Path

from .server import SimulatedHost


async def _serve(args: argparse.Namespace) -> None:
    host = SimulatedHost(seed=args.seed, port=args.port)
    await host.start()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="logtui-sim-"))
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "client_ed25519"
    key.touch(mode=0o600)
    key.write_text(host.client_key_text)
    known = folder / "known_hosts"
    known.write_text(host.known_hosts_text)
    print(
        f"LOGTUI_HOST=127.0.0.1\nLOGTUI_PORT={host.port}\nLOGTUI_USER=logtui\n"
        f"LOGTUI_SSH_KEY_FILE={key}\nLOGTUI_KNOWN_HOSTS={known}\n"
    )
    print(
        f"ssh -p {host.port} -i {key} -o UserKnownHostsFile={known} logtui@127.0.0.1 "
        "docker ps --all --no-trunc --format \"'{{json .}}'\"",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await host.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m logtui.simhost", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the demo workload")
    parser.add_argument("--dir", help="where to write the client key and known_hosts")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
