"""XmR (individuals and moving range) charts by the NHS "Making Data Count" method, as
NHSRplotthedots (the NHS-R Community's R package) applies it.

Per phase (the chart is rebased at the pilot start, so each phase has its own limits):
mean of the points; moving ranges |x_i - x_{i-1}| within the phase; moving ranges of
3.267 x their mean or more are screened out as outliers and the mean moving range taken
again; process limits = mean +/- 2.66 x mean moving range, and the "2 sigma" lines at
mean +/- (2/3) x 2.66 x mean moving range. A point is special cause when (first that
applies):

1. it lies outside the process limits;
2. it is one of 7 consecutive points all rising or all falling (a trend);
3. it is beyond a 2-sigma line in a run of 3 points on the same side of the mean of
   which at least 2 are beyond that line (only those beyond it are flagged);
4. it is one of 7 or more consecutive points on the same side of the mean (a shift).

Each signal points high or low; the measure's improvement direction turns that into
improvement or concern (or neutral high/low for a measure with no better direction).
A phase of fewer than 13 points has *trial limits*. The variation icon is the last
point's type in each phase; the assurance icon compares the target with the last
phase's limits (none for a neutral measure or without a target).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

LIMIT = 2.66
NEAR = 2 * LIMIT / 3
OUTLIER_MR = 3.267
RUN = 7
TRIAL_BELOW = 13

INCREASE, DECREASE, NEUTRAL = "increase", "decrease", "neutral"
COMMON = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"
NEUTRAL_HIGH = "special_cause_neutral_high"
NEUTRAL_LOW = "special_cause_neutral_low"
PASS, FAIL, HIT_AND_MISS = "consistent_pass", "consistent_fail", "inconsistent"


@dataclass(frozen=True)
class Point:
    label: str
    value: float
    phase: str
    mean: float
    lower: float
    upper: float
    near_lower: float
    near_upper: float
    side: int  # +1 special cause high, -1 low, 0 common cause
    reason: str  # "" for common cause
    type: str  # COMMON, IMPROVEMENT, CONCERN, NEUTRAL_HIGH or NEUTRAL_LOW

    @property
    def special_cause(self) -> bool:
        return self.side != 0


@dataclass(frozen=True)
class PhaseLimits:
    name: str
    n: int
    mean: float
    mr_mean: float
    lower: float
    upper: float
    variation: str  # the phase's last point's type (the variation icon)

    @property
    def trial(self) -> bool:
        return self.n < TRIAL_BELOW


@dataclass(frozen=True)
class Chart:
    points: list[Point]
    phases: list[PhaseLimits]
    direction: str
    target: float | None = None
    assurance: str | None = None  # PASS / FAIL / HIT_AND_MISS, None when not assessable

    @property
    def labels(self) -> list[str]:
        return [p.label for p in self.points]

    @property
    def values(self) -> list[float]:
        return [p.value for p in self.points]

    @property
    def trial(self) -> bool:
        return any(ph.trial for ph in self.phases)

    @property
    def variation(self) -> str:
        return self.phases[-1].variation if self.phases else COMMON

    def summary(self) -> str:
        counts = {t: sum(1 for p in self.points if p.type == t) for t in _TYPE_WORDS}
        parts = [f"{n} point(s) {_TYPE_WORDS[t]}" for t, n in counts.items() if n]
        return "; ".join(parts) if parts else "common-cause variation only"


_TYPE_WORDS = {
    IMPROVEMENT: "special cause of improvement",
    CONCERN: "special cause of concern",
    NEUTRAL_HIGH: "special cause, high",
    NEUTRAL_LOW: "special cause, low",
}


def _sign(v: float) -> int:
    return (v > 0) - (v < 0)


def _limits(values: list[float], screen_outliers: bool) -> tuple[float, float]:
    mean = sum(values) / len(values)
    mrs = [abs(values[i] - values[i - 1]) for i in range(1, len(values))]
    if not mrs:
        return mean, 0.0
    amr = sum(mrs) / len(mrs)
    if screen_outliers:
        kept = [m for m in mrs if m < OUTLIER_MR * amr]
        amr = sum(kept) / len(kept) if kept else 0.0
    return mean, amr


def _signals(values: list[float], mean: float, amr: float) -> list[tuple[int, str]]:
    n = len(values)
    upper, lower = mean + LIMIT * amr, mean - LIMIT * amr
    near_up, near_lo = mean + NEAR * amr, mean - NEAR * amr
    rel = [_sign(v - mean) for v in values]
    outside = [v > upper or v < lower for v in values]
    near = [not o and (v < near_lo or v > near_up) for v, o in zip(values, outside, strict=True)]

    in_trend = [False] * n
    for end in range(RUN - 1, n):
        steps = {_sign(values[i] - values[i - 1]) for i in range(end - RUN + 2, end + 1)}
        if len(steps) == 1 and 0 not in steps:
            for i in range(end - RUN + 1, end + 1):
                in_trend[i] = True
    # A point's trend direction: the step to its right when the next point is in the
    # trend too, else the step from its left (so a peak between two trends goes with
    # the later one).
    trend_dir = [0] * n
    for i in range(n):
        if in_trend[i]:
            nxt = i + 1 < n and in_trend[i + 1]
            trend_dir[i] = (
                _sign(values[i + 1] - values[i]) if nxt else _sign(values[i] - values[i - 1])
            )
    two_of_three = [False] * n
    for start in range(n - 2):
        w = range(start, start + 3)
        if sum(near[i] for i in w) >= 2 and abs(sum(rel[i] for i in w)) == 3:
            for i in w:
                two_of_three[i] = two_of_three[i] or near[i]
    shift = [False] * n
    for end in range(RUN - 1, n):
        run = rel[end - RUN + 1 : end + 1]
        if run[0] != 0 and all(r == run[0] for r in run):
            for i in range(end - RUN + 1, end + 1):
                shift[i] = True
    out: list[tuple[int, str]] = []
    for i, v in enumerate(values):
        if outside[i]:
            out.append(
                (1, "above the upper process limit")
                if v > upper
                else (-1, "below the lower process limit")
            )
        elif trend_dir[i]:
            out.append(
                (trend_dir[i], f"7-point {'rising' if trend_dir[i] > 0 else 'falling'} trend")
            )
        elif two_of_three[i]:
            out.append((rel[i], "2 of 3 points beyond 2 sigma on one side"))
        elif shift[i]:
            out.append((rel[i], f"7 or more points {'above' if rel[i] > 0 else 'below'} the mean"))
        else:
            out.append((0, ""))
    return out


def _type(side: int, direction: str) -> str:
    if side == 0:
        return COMMON
    if direction == NEUTRAL:
        return NEUTRAL_HIGH if side > 0 else NEUTRAL_LOW
    good = side > 0 if direction == INCREASE else side < 0
    return IMPROVEMENT if good else CONCERN


def spc(
    labels: list[str],
    values: list[float],
    phases: list[str] | None = None,
    direction: str = NEUTRAL,
    target: float | None = None,
    screen_outliers: bool = True,
) -> Chart:
    """The chart of ``values`` (in time order); a new phase starts wherever ``phases``
    changes (limits recalculated per phase)."""
    if direction not in (INCREASE, DECREASE, NEUTRAL):
        raise ValueError(f"direction must be increase, decrease or neutral, not {direction!r}")
    if len(labels) != len(values) or (phases is not None and len(phases) != len(values)):
        raise ValueError("labels, values and phases must be the same length")
    if any(not math.isfinite(v) for v in values):
        raise ValueError("values must be finite numbers")
    names = list(phases) if phases is not None else [""] * len(values)
    groups: list[tuple[str, int, int]] = []  # (name, start, end)
    for i, name in enumerate(names):
        if groups and groups[-1][0] == name:
            groups[-1] = (name, groups[-1][1], i + 1)
        else:
            groups.append((name, i, i + 1))
    points: list[Point] = []
    limits: list[PhaseLimits] = []
    for name, a, b in groups:
        vs = [float(v) for v in values[a:b]]
        mean, amr = _limits(vs, screen_outliers)
        lo, up = mean - LIMIT * amr, mean + LIMIT * amr
        for j, (side, why) in enumerate(_signals(vs, mean, amr)):
            points.append(Point(labels[a + j], vs[j], name, mean, lo, up, mean - NEAR * amr,
                                mean + NEAR * amr, side, why, _type(side, direction)))  # fmt: skip
        limits.append(PhaseLimits(name, b - a, mean, amr, lo, up, points[-1].type))
    assurance = None
    if target is not None and direction != NEUTRAL and limits:
        last = limits[-1]
        if target > last.upper:
            assurance = FAIL if direction == INCREASE else PASS
        elif target < last.lower:
            assurance = PASS if direction == INCREASE else FAIL
        else:
            assurance = HIT_AND_MISS
    return Chart(points, limits, direction, target, assurance)


@dataclass(frozen=True)
class Measure:
    """One charted measure: its code (as the BI feed names it), title and direction."""

    code: str
    title: str
    unit: str
    direction: str
    target: float | None = None
    notes: list[str] = field(default_factory=list)
