"""RxLog's SPC against an independent implementation of the Making Data Count rules.

``reference_chart`` below is written from the published rules (NHS England, "Making
Data Count"; the NHS-R Community's NHSRplotthedots documentation: limits = mean +/- 2.66
x mean moving range after screening moving ranges >= 3.267 x their mean; rules in the
order 1. outside the limits, 2. 7-point trend, 3. two of three beyond 2 sigma on one
side, 4. 7 points on one side of the mean), not from rxlog.central.spc: it checks every
window containing a point instead of marking runs. Both are run on fixed series and on
seeded random ones, with phases, and must agree on every point's mean, limits and signal.
"""

from __future__ import annotations

import random

import pytest

from rxlog.central import spc


def reference_chart(values, phases):
    """[(mean, lower, upper, side)] per point; side +1 high, -1 low, 0 common cause."""
    out = []
    i = 0
    while i < len(values):
        j = i
        while j < len(values) and phases[j] == phases[i]:
            j += 1
        out += _reference_phase(values[i:j])
        i = j
    return out


def _reference_phase(y):
    n = len(y)
    centre = sum(y) / n
    ranges = [abs(y[k] - y[k - 1]) for k in range(1, n)]
    if ranges:
        first_mean = sum(ranges) / len(ranges)
        screened = [r for r in ranges if not r >= 3.267 * first_mean]
        mr_bar = sum(screened) / len(screened) if screened else 0.0
    else:
        mr_bar = 0.0
    sigma = 2.66 * mr_bar / 3  # the published constant 2.66 is 3 sigma; 2 sigma = 2/3 of it
    ucl, lcl = centre + 3 * sigma, centre - 3 * sigma
    two_up, two_down = centre + 2 * sigma, centre - 2 * sigma

    def side_of_mean(k):
        return 1 if y[k] > centre else (-1 if y[k] < centre else 0)

    def beyond_limits(k):
        return y[k] > ucl or y[k] < lcl

    def beyond_two_sigma(k):
        return not beyond_limits(k) and (y[k] > two_up or y[k] < two_down)

    result = []
    for k in range(n):
        side = 0
        # Rule 1: outside the process limits.
        if y[k] > ucl:
            side = 1
        elif y[k] < lcl:
            side = -1
        # Rule 2: in some window of 7 consecutive points whose 6 steps all rise (or fall).
        if side == 0:
            windows = [s for s in range(k - 6, k + 1) if s >= 0 and s + 6 < n]
            rising = [s for s in windows if all(y[t + 1] > y[t] for t in range(s, s + 6))]
            falling = [s for s in windows if all(y[t + 1] < y[t] for t in range(s, s + 6))]
            if rising or falling:
                in_next = any(
                    s <= k + 1 <= s + 6 for s in range(k + 1 - 6, k + 2)
                    if s >= 0 and s + 6 < n
                    and (all(y[t + 1] > y[t] for t in range(s, s + 6))
                         or all(y[t + 1] < y[t] for t in range(s, s + 6)))
                ) if k + 1 < n else False  # fmt: skip
                step = y[k + 1] - y[k] if in_next else y[k] - y[k - 1]
                side = 1 if step > 0 else -1
        # Rule 3: two of three consecutive points beyond 2 sigma, all three on one side.
        if side == 0 and beyond_two_sigma(k):
            for s in range(k - 2, k + 1):
                if s < 0 or s + 2 >= n:
                    continue
                trio = range(s, s + 3)
                same_side = abs(sum(side_of_mean(t) for t in trio)) == 3
                if same_side and sum(beyond_two_sigma(t) for t in trio) >= 2:
                    side = side_of_mean(k)
                    break
        # Rule 4: in some run of 7 consecutive points on the same side of the mean.
        if side == 0 and side_of_mean(k) != 0:
            for s in range(k - 6, k + 1):
                if (
                    s >= 0
                    and s + 6 < n
                    and all(side_of_mean(t) == side_of_mean(k) for t in range(s, s + 7))
                ):
                    side = side_of_mean(k)
                    break
        result.append((centre, lcl, ucl, side))
    return result


FIXED = {
    "flat with one spike": ([10, 11, 10, 12, 11, 10, 40, 11, 10, 12, 11, 10, 11], None),
    "exactly 7 rising": ([5, 4, 6, 1, 2, 3, 4, 5, 6, 7, 3, 4, 5, 4], None),
    "only 6 rising": ([5, 4, 6, 1, 2, 3, 4, 5, 6, 3, 4, 5, 4, 5], None),
    "shift of 7 above": ([5, 4, 6, 5, 4, 9, 10, 9, 10, 9, 10, 9.5, 4, 5], None),
    "two of three beyond 2 sigma": (
        [10, 10.4, 10.1, 10.3, 9.9, 10.2, 10, 10.4, 10.1, 10.3, 11.1, 10.35, 11.1, 10.2]
        + [10, 10.4, 10.1, 10.3, 9.9, 10.2, 10, 10.4, 10.1, 10.3],
        None,
    ),
    "peak between two trends": (
        [20, 5, 20, 5, 1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1, 20, 5, 20],
        None,
    ),
    "rebased at the pilot": (
        [10, 12, 11, 10, 13, 11, 12, 20, 22, 21, 23, 20, 22, 21, 24],
        ["baseline"] * 7 + ["pilot"] * 8,
    ),
    "outlier moving range screened": ([10, 10.5, 10, 30, 10, 10.5, 10, 10.2, 9.8, 10], None),
    "constant": ([7, 7, 7, 7, 7, 7, 7, 7], None),
    "single point": ([3.0], None),
}


def _compare(values, phases):
    phases = phases or ["p"] * len(values)
    mine = spc.spc([str(i) for i in range(len(values))], values, phases, spc.INCREASE)
    ref = reference_chart(values, phases)
    assert len(mine.points) == len(ref)
    for i, (p, (mean, lower, upper, side)) in enumerate(zip(mine.points, ref, strict=True)):
        assert p.mean == pytest.approx(mean), i
        assert p.lower == pytest.approx(lower), i
        assert p.upper == pytest.approx(upper), i
        assert p.side == side, (i, p.reason)
        assert p.special_cause == (side != 0)
    return mine


@pytest.mark.parametrize("name", sorted(FIXED))
def test_rxlog_agrees_with_the_reference_on_fixed_series(name):
    _compare(*FIXED[name])


def test_rxlog_agrees_with_the_reference_on_random_series():
    rng = random.Random(20261201)
    for _ in range(400):
        n = rng.randint(2, 40)
        level = rng.uniform(0, 100)
        kind = rng.choice(("noise", "step", "drift", "integers"))
        values = []
        for i in range(n):
            if kind == "noise":
                values.append(level + rng.gauss(0, 5))
            elif kind == "step":
                values.append(level + (15 if i > n // 2 else 0) + rng.gauss(0, 4))
            elif kind == "drift":
                values.append(level + i * rng.uniform(0, 3) + rng.gauss(0, 2))
            else:
                values.append(float(rng.randint(0, 6)))
        cut = rng.randint(0, n)
        phases = ["baseline"] * cut + ["pilot"] * (n - cut)
        _compare(values, phases)


def test_the_rules_give_the_published_signals_on_the_fixed_series():
    # Written out by hand from the rules, so both implementations being wrong alike fails.
    spike = _compare(*FIXED["flat with one spike"])
    # The spike is outside; it also lifts the mean so that 10, 11, 10 sit together below
    # it with two of them beyond 2 sigma.
    assert [i for i, p in enumerate(spike.points) if p.special_cause] == [0, 2, 6]
    assert spike.points[6].reason == "above the upper process limit"
    assert spike.points[0].reason.startswith("2 of 3") and spike.points[0].side == -1
    seven = _compare(*FIXED["exactly 7 rising"])
    assert [i for i, p in enumerate(seven.points) if p.special_cause] == list(range(3, 10))
    assert all("rising trend" in seven.points[i].reason for i in range(3, 10))
    six = _compare(*FIXED["only 6 rising"])
    assert not any("trend" in p.reason for p in six.points)  # a trend needs 7 (MDC), not 6
    shift = _compare(*FIXED["shift of 7 above"])
    assert [i for i, p in enumerate(shift.points) if p.special_cause] == list(range(5, 12))
    two = _compare(*FIXED["two of three beyond 2 sigma"])
    assert [i for i, p in enumerate(two.points) if p.special_cause] == [10, 12]
    assert two.points[10].reason.startswith("2 of 3") and two.points[10].side == 1
    peak = _compare(*FIXED["peak between two trends"])
    assert [p.side for p in peak.points[4:10]] == [1] * 6
    assert peak.points[10].side == -1  # the peak goes with the later (falling) trend
    assert peak.points[10].reason == "7-point falling trend"
    rebased = _compare(*FIXED["rebased at the pilot"])
    assert [ph.name for ph in rebased.phases] == ["baseline", "pilot"]
    assert rebased.phases[0].mean == pytest.approx(79 / 7)
    assert not any(p.special_cause for p in rebased.points)  # rebasing hides no shift...
    assert rebased.phases[1].mean > rebased.phases[0].upper  # ...the step is between phases
    assert rebased.trial and all(ph.trial for ph in rebased.phases)  # < 13 points each
    screened = _compare(*FIXED["outlier moving range screened"])
    # Moving ranges 0.5, 0.5, 20, 20, 0.5, 0.5, 0.2, 0.4, 0.2 (mean 4.756): none reaches
    # 3.267 x 4.756 = 15.5 except the two of 20, which are screened out.
    kept = [0.5, 0.5, 0.5, 0.5, 0.2, 0.4, 0.2]
    assert screened.phases[0].mr_mean == pytest.approx(sum(kept) / len(kept))
    assert screened.points[3].reason == "above the upper process limit"


def test_direction_target_icons_and_trial_limits():
    up = list(range(1, 15))
    inc = spc.spc([str(i) for i in up], [float(v) for v in up], None, spc.INCREASE)
    dec = spc.spc([str(i) for i in up], [float(v) for v in up], None, spc.DECREASE)
    neu = spc.spc([str(i) for i in up], [float(v) for v in up], None, spc.NEUTRAL)
    # 1..14: the first points are below the lower limit, the last above the upper one.
    assert (inc.points[0].type, inc.points[-1].type) == (spc.CONCERN, spc.IMPROVEMENT)
    assert (dec.points[0].type, dec.points[-1].type) == (spc.IMPROVEMENT, spc.CONCERN)
    assert (neu.points[0].type, neu.points[-1].type) == (spc.NEUTRAL_LOW, spc.NEUTRAL_HIGH)
    assert inc.variation == spc.IMPROVEMENT and not inc.trial  # 14 points: not trial
    assert spc.spc(list("abc"), [1.0, 2, 1], None, spc.INCREASE).trial
    flat = [50.0, 52, 49, 51, 50, 48, 51, 50, 52, 49, 50, 51, 50]
    labels = [str(i) for i in range(13)]
    assert spc.spc(labels, flat, None, spc.INCREASE, target=100).assurance == spc.FAIL
    assert spc.spc(labels, flat, None, spc.DECREASE, target=100).assurance == spc.PASS
    assert spc.spc(labels, flat, None, spc.INCREASE, target=10).assurance == spc.PASS
    assert spc.spc(labels, flat, None, spc.INCREASE, target=50).assurance == spc.HIT_AND_MISS
    assert spc.spc(labels, flat, None, spc.NEUTRAL, target=50).assurance is None
    with pytest.raises(ValueError, match="direction"):
        spc.spc(labels, flat, None, "up")
