"""XmR (individuals and moving range) charts, NHS "Making Data Count" style.

Mean of the points; moving ranges |x_i - x_{i-1}|; process limits = mean ± 2.66 × mean
moving range. Special-cause variation is flagged when a point lies outside the limits,
or in a run of 7 or more consecutive points on one side of the mean (a "shift"), or in
6 or more consecutive points all increasing or all decreasing (a "trend"). Source: NHS
England, "Making Data Count: strengthening your decisions" (2019), SPC rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LIMIT_FACTOR = 2.66
SHIFT_RUN = 7
TREND_RUN = 6

COMMON, HIGH, LOW = "common", "high", "low"


@dataclass(frozen=True)
class XmR:
    labels: list[str]
    values: list[float]
    mean: float
    mr_mean: float
    upper: float
    lower: float
    flags: list[str] = field(default_factory=list)  # per point: common / high / low
    reasons: list[str] = field(default_factory=list)  # per point: why it is flagged

    @property
    def special_points(self) -> int:
        return sum(1 for f in self.flags if f != COMMON)

    def summary(self) -> str:
        n_high = sum(1 for f in self.flags if f == HIGH)
        n_low = sum(1 for f in self.flags if f == LOW)
        if not n_high and not n_low:
            return "common-cause variation only"
        parts = []
        if n_high:
            parts.append(f"{n_high} point(s) of special cause, high")
        if n_low:
            parts.append(f"{n_low} point(s) of special cause, low")
        return "; ".join(parts)


def xmr(
    labels: list[str],
    values: list[float],
    floor: float | None = 0.0,
    ceiling: float | None = None,
) -> XmR:
    """The XmR chart of a series; ``floor``/``ceiling`` clip the limits to what the
    measure can take (a count is never below 0, a percentage never above 100)."""
    n = len(values)
    if n == 0:
        return XmR([], [], 0.0, 0.0, 0.0, 0.0)
    mean = sum(values) / n
    ranges = [abs(values[i] - values[i - 1]) for i in range(1, n)]
    mr_mean = sum(ranges) / len(ranges) if ranges else 0.0
    upper = mean + LIMIT_FACTOR * mr_mean
    lower = mean - LIMIT_FACTOR * mr_mean
    if floor is not None:
        lower = max(lower, floor)
    if ceiling is not None:
        upper = min(upper, ceiling)
    flags = [COMMON] * n
    reasons = [""] * n

    def mark(i: int, side: str, why: str) -> None:
        if flags[i] == COMMON:
            flags[i] = side
            reasons[i] = why

    for i, v in enumerate(values):
        if v > upper and mr_mean > 0:
            mark(i, HIGH, "above the upper process limit")
        elif v < lower and mr_mean > 0:
            mark(i, LOW, "below the lower process limit")
    # Shift: a run of SHIFT_RUN or more on one side of the mean (points on it break it).
    start = 0
    while start < n:
        side = (values[start] > mean) - (values[start] < mean)
        end = start
        while (
            end + 1 < n
            and side != 0
            and ((values[end + 1] > mean) - (values[end + 1] < mean)) == side
        ):
            end += 1
        if side != 0 and end - start + 1 >= SHIFT_RUN:
            for i in range(start, end + 1):
                mark(
                    i,
                    HIGH if side > 0 else LOW,
                    f"run of {end - start + 1} on one side of the mean",
                )
        start = end + 1
    # Trend: TREND_RUN or more points each higher (or each lower) than the one before.
    for direction in (1, -1):
        start = 0
        while start < n - 1:
            end = start
            while end + 1 < n and (values[end + 1] - values[end]) * direction > 0:
                end += 1
            if end - start + 1 >= TREND_RUN:
                for i in range(start, end + 1):
                    mark(i, HIGH if direction > 0 else LOW, f"trend of {end - start + 1} points")
            start = end + 1 if end > start else start + 1
    return XmR(list(labels), list(values), mean, mr_mean, upper, lower, flags, reasons)
