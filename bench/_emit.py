"""Write a file's lines to stdout at a steady rate: `python _emit.py RATE FILE`.

A stand-in for a container that logs RATE lines a second (in 5 ms slices).
"""

import sys
import time


def main() -> None:
    rate, path = int(sys.argv[1]), sys.argv[2]
    lines = open(path, "rb").read().splitlines(keepends=True)  # noqa: SIM115
    out = sys.stdout.buffer
    slice_s = 0.005
    per_slice = max(1, int(rate * slice_s))
    start = time.perf_counter()
    for n, i in enumerate(range(0, len(lines), per_slice)):
        out.write(b"".join(lines[i : i + per_slice]))
        out.flush()
        delay = start + (n + 1) * slice_s - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


if __name__ == "__main__":
    main()
