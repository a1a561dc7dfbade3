"""Fuzz the command guard with generated inputs; count how many escaped (must be 0).

    python -m bench.fuzz_guard [--count 1000000] [--seed 1] [--json]

Inputs mix valid names, names with shell metacharacters, whitespace, quotes, newlines,
leading dashes and non-ASCII, random printable and random Unicode text, hostile time
arguments, and whole command lines built or mutated from valid ones. Each is checked with
the same property functions as tests/test_guard_properties.py.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import time
from collections import Counter

from logtui import guard
from logtui.guard_properties import DANGEROUS, line_property, name_property, time_property

SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
HOSTILE = [*sorted(DANGEROUS), "é", "\u202e", "ﬁ", "٣", "Ａ", "\xa0", "\u2028", "\x7f", "\x1b"]
VALID_LINES = [
    guard.docker_ps().line,
    guard.docker_logs("web-app", since="10m", follow=True).line,
    guard.docker_logs("db", since="2025-08-16T14:30:22.123456789Z", tail=10).line,
    guard.docker_inspect(["a", "b"]).line,
    guard.docker_stats(["web"]).line,
]
INJECTIONS = ["; id", " && id", " | sh", " $(id)", " `id`", "\nid", " > /etc/x", " 'a'b", " --rm", " -f"]


def gen_name(rng: random.Random) -> str:
    kind = rng.random()
    length = rng.randint(0, 24)
    if kind < 0.35:
        chars = [rng.choice(SAFE) for _ in range(length)]
        for _ in range(rng.randint(1, 3)):
            chars.insert(rng.randint(0, len(chars)), rng.choice(HOSTILE))
        return "".join(chars)
    if kind < 0.55:
        return "-" + "".join(rng.choice(SAFE) for _ in range(length))
    if kind < 0.75:
        return "".join(rng.choice(SAFE) for _ in range(length))
    if kind < 0.9:
        return "".join(chr(rng.randint(32, 126)) for _ in range(length))
    return "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(length))


def gen_time(rng: random.Random) -> str:
    base = rng.choice(["10m", "1h30m", "2025-08-16T14:30:22Z", "1723818622.5", "3600s"])
    if rng.random() < 0.5:
        return base
    i = rng.randint(0, len(base))
    return base[:i] + rng.choice([*HOSTILE, "-", " ", "h", "Z"]) + base[i:]


def gen_line(rng: random.Random) -> str:
    line = rng.choice(VALID_LINES)
    r = rng.random()
    if r < 0.4:
        return line + rng.choice(INJECTIONS)
    if r < 0.7:
        i = rng.randint(0, len(line))
        return line[:i] + rng.choice(HOSTILE + INJECTIONS) + line[i:]
    if r < 0.85:
        words = shlex.split(line)
        words[rng.randrange(len(words))] = gen_name(rng)
        return " ".join(words)
    return rng.choice(["docker rm web", "docker exec web sh", "docker stats", "sh -c id", line])


def run(count: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    escapes: list[str] = []
    started = time.perf_counter()
    for i in range(count):
        which = i % 3
        if which == 0:
            value, escape = "name", name_property(gen_name(rng))
        elif which == 1:
            value, escape = "line", line_property(gen_line(rng))
        else:
            value, escape = "time", time_property(gen_time(rng))
        outcomes[value] += 1
        if escape is not None:
            escapes.append(escape)
    elapsed = time.perf_counter() - started
    return {
        "fuzz_inputs_tried": count,
        "fuzz_names": outcomes["name"],
        "fuzz_lines": outcomes["line"],
        "fuzz_times": outcomes["time"],
        "fuzz_escaped": len(escapes),
        "fuzz_seconds": round(elapsed, 2),
        "fuzz_inputs_per_s": round(count / elapsed),
        "fuzz_first_escapes": escapes[:5],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.count, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"guard fuzz: {result['fuzz_inputs_tried']:,} inputs tried "
              f"({result['fuzz_names']:,} names, {result['fuzz_lines']:,} command lines, "
              f"{result['fuzz_times']:,} time arguments) in {result['fuzz_seconds']} s; "
              f"escaped: {result['fuzz_escaped']}")  # fmt: skip
        for escape in result["fuzz_first_escapes"]:  # type: ignore[attr-defined]
            print("  ESCAPE", escape)
    return 1 if result["fuzz_escaped"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
