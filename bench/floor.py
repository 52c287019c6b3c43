"""Run a measure beside its floor: RxLog and the plainest way to do the same work,
alternated in one run, so load on the machine moves both alike and the ratio holds.

    from floor import Pair, compare, report
    pair = compare("rxlog --version", rx=lambda: run(...), floor=lambda: run(...), rounds=11)
    report([pair])

Every benchmark in bench/ prints its figures through `report`, one line a measure:
RxLog's median, the floor's median, the ratio and the target.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Pair:
    name: str
    rx: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    target: float | None = None  # the highest acceptable ratio, if the issue sets one

    @property
    def rx_median(self) -> float:
        return statistics.median(self.rx)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor)

    @property
    def ratio(self) -> float:
        return self.rx_median / self.floor_median

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.ratio <= self.target

    def line(self) -> str:
        verdict = ""
        if self.target is not None:
            verdict = f"  target <= {self.target:g}x: {'met' if self.met else 'NOT met'}"
        return (
            f"{self.name}: RxLog {_ms(self.rx_median)}, floor {_ms(self.floor_median)}, "
            f"ratio {self.ratio:.2f}x ({len(self.rx)} rounds){verdict}"
        )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def compare(
    name: str,
    rx: Callable[[], object],
    floor: Callable[[], object],
    rounds: int = 7,
    target: float | None = None,
    warmup: int = 1,
    timer: Callable[[Callable[[], object]], float] = timed,
) -> Pair:
    """Time `rx` and `floor` alternately, `rounds` times each, after `warmup` of each.

    `timer` returns seconds for one call (default: wall time around it); a benchmark that
    measures something inside a child process passes its own.
    """
    pair = Pair(name, target=target)
    for _ in range(warmup):
        floor()
        rx()
    for i in range(rounds):
        # Alternate which goes first, so neither always runs on a warmer cache.
        first, second = (pair.floor, floor), (pair.rx, rx)
        order = (first, second) if i % 2 else (second, first)
        for bucket, fn in order:
            bucket.append(timer(fn))
    return pair


def run(
    cmd: Sequence[str], ok: Sequence[int] = (0,), **kw: object
) -> subprocess.CompletedProcess[bytes]:
    """Run a command, failing loudly (a benchmark of a failing command measures nothing).

    `ok` lists the exit codes that mean the command did its work (e.g. `verify` exits 1
    for "intact, signer not checked").
    """
    res = subprocess.run(list(cmd), capture_output=True, **kw)  # type: ignore[call-overload]
    if res.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr[-2000:]!r}")
    return res


def report(pairs: Sequence[Pair], title: str = "") -> bool:
    """Print one line per measure; True when every measure with a target meets it."""
    if title:
        print(title)
    for p in pairs:
        print("  " + p.line())
    return all(p.met is not False for p in pairs)


PY = sys.executable
