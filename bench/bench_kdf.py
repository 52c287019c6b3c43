"""The cost of one passphrase guess: Argon2id at the production parameters (KDF_COST).

    .venv/bin/python bench/bench_kdf.py [--rounds 5]

Prints the median seconds of one derivation (what an unlock costs, and what each guess
costs an attacker holding the key file). Record it in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from rxlog.export.keys import KDF_COST, _derive


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    times = []
    for _ in range(args.rounds):
        t = time.perf_counter()
        _derive("correct horse battery staple", os.urandom(16), KDF_COST)
        times.append(time.perf_counter() - t)
    print(
        f"Argon2id m={KDF_COST.memory_kib} KiB t={KDF_COST.iterations} p={KDF_COST.lanes}: "
        f"median {statistics.median(times):.3f} s, min {min(times):.3f} s over {args.rounds}"
    )


if __name__ == "__main__":
    main()
