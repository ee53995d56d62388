"""Attack the governors' report suppression with an exact reader and count what it pins.

For each generated school, one attainment table is suppressed as the
report does it. Then integer programming (scipy.optimize.milp) finds the
true minimum and maximum of every "fewer than" cell's pupils and pupils on
track, given everything shown to a reader: shown counts exactly, "fewer than N" as 0
to N - 1, "not shown" as at least N pupils, 0 <= on track <= pupils, and
every sum (All = PP + non-PP, key stage = its years, whole school = key
stages). Beside it is counted how many cells the product's own check
still flags after suppression, because it found no cell to hide beside them.

scipy is not a project dependency. Install it outside the project, then run:

    pip install --target /tmp/govattack-lib scipy
    PYTHONPATH=python:/tmp/govattack-lib python tests/attack_governors.py --schools 800
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from tracker import contract as c
from tracker.core.attainment import ALL, NON_PP, PP, scopes
from tracker.export_governors import _exposed_cells, _relations, _suppress_one_table

SCOPES = scopes()
YEARS_OF = {name: set(years) for name, years in SCOPES}
CELLS = [(name, group) for name, _ in SCOPES for group in (PP, NON_PP, ALL)]
INDEX = {cell: i for i, cell in enumerate(CELLS)}
SIZE = len(CELLS)
RELATIONS = _relations()
# An upper bound for "not shown" cells, far above any primary school.
LARGE = 10**6


def _constraint() -> LinearConstraint:
    """Return the sums for pupils (variables 0 to SIZE - 1) and on track (SIZE onwards), and on track <= pupils."""
    rows = []
    for total, parts in RELATIONS:
        for offset in (0, SIZE):
            row = np.zeros(2 * SIZE)
            row[offset + INDEX[total]] = 1
            for part in parts:
                row[offset + INDEX[part]] -= 1
            rows.append(row)
    equalities = len(rows)
    for i in range(SIZE):
        row = np.zeros(2 * SIZE)
        row[SIZE + i] = 1
        row[i] = -1
        rows.append(row)
    lower = np.concatenate([np.zeros(equalities), np.full(SIZE, -np.inf)])
    return LinearConstraint(np.array(rows), lower, np.zeros(len(rows)))


CONSTRAINT = _constraint()


def table_from_years(year_counts: dict) -> tuple[dict, dict]:
    """Return (pupils, on track) for every cell from {(year, PP or non-PP): (pupils, on track)}."""
    assessed, on_track = {}, {}
    for name, years in SCOPES:
        for group in (PP, NON_PP):
            assessed[(name, group)] = sum(year_counts[(year, group)][0] for year in years)
            on_track[(name, group)] = sum(year_counts[(year, group)][1] for year in years)
        assessed[(name, ALL)] = assessed[(name, PP)] + assessed[(name, NON_PP)]
        on_track[(name, ALL)] = on_track[(name, PP)] + on_track[(name, NON_PP)]
    return assessed, on_track


def exact_ranges(hidden: dict, assessed: dict, on_track: dict, small_group: int) -> dict:
    """Return {small cell: ((pupils min, max), (on track min, max))} that an exact reader finds."""
    lower, upper = np.zeros(2 * SIZE), np.zeros(2 * SIZE)
    for cell, i in INDEX.items():
        kind = hidden.get(cell)
        if kind == "small":
            lower[i], upper[i], lower[SIZE + i], upper[SIZE + i] = 0, small_group - 1, 0, small_group - 1
        elif kind == "protect":
            lower[i], upper[i], lower[SIZE + i], upper[SIZE + i] = small_group, LARGE, 0, LARGE
        else:
            lower[i] = upper[i] = assessed[cell]
            lower[SIZE + i] = upper[SIZE + i] = on_track[cell]
    truth = np.array([assessed[cell] for cell in CELLS] + [on_track[cell] for cell in CELLS])
    if np.any(truth < lower) or np.any(truth > upper):
        raise AssertionError("invalid reader bounds: the true table lies outside them, so a cell is marked wrongly")

    def extreme(index: int, sign: int) -> int:
        cost = np.zeros(2 * SIZE)
        cost[index] = sign
        result = milp(cost, constraints=CONSTRAINT, integrality=np.ones(2 * SIZE), bounds=Bounds(lower, upper))
        if result.status != 0:
            raise RuntimeError(f"milp failed: {result.message}")
        return int(round(result.x[index]))

    ranges = {}
    for cell, kind in hidden.items():
        if kind == "small":
            i = INDEX[cell]
            ranges[cell] = ((extreme(i, 1), extreme(i, -1)), (extreme(SIZE + i, 1), extreme(SIZE + i, -1)))
    return ranges


def shown_zero_above(cell: tuple, hidden: dict, on_track: dict) -> bool:
    """Return whether a shown cell containing ``cell`` has 0 on track, which pins it at 0 whatever is hidden."""
    def contains(outer: tuple, inner: tuple) -> bool:
        return YEARS_OF[inner[0]] <= YEARS_OF[outer[0]] and outer[1] in (ALL, inner[1])
    return any(other not in hidden and on_track[other] == 0 and contains(other, cell) for other in CELLS)


def random_school(rng: np.random.Generator, pp: tuple[int, int], non_pp: tuple[int, int]) -> dict:
    """Return {(year, group): (pupils, on track)} with uniform group sizes and one on-track rate per group."""
    rate = {PP: rng.uniform(0.2, 0.9), NON_PP: rng.uniform(0.3, 0.95)}
    counts = {}
    for year in c.YEARS:
        for group, (low, high) in ((PP, pp), (NON_PP, non_pp)):
            pupils = int(rng.integers(low, high + 1))
            counts[(year, group)] = (pupils, int(rng.binomial(pupils, rate[group])))
    return counts


def count_leaks(schools: int, small_group: int, seed: int, pp: tuple[int, int], non_pp: tuple[int, int]) -> Counter:
    """Return counts of small cells that the exact reader pins or narrows to a range of width 0 or 1."""
    rng = np.random.default_rng(seed)
    tally = Counter()
    for _ in range(schools):
        assessed, on_track = table_from_years(random_school(rng, pp, non_pp))
        hidden = _suppress_one_table(assessed, small_group, on_track)
        exact = exact_ranges(hidden, assessed, on_track, small_group)
        tally["tables"] += 1
        tally["hidden cells"] += len(hidden)
        tally["small cells flagged by the product check"] += len(
            _exposed_cells(hidden, assessed, on_track, small_group, RELATIONS))
        leaked = False
        for cell, (pupil_range, on_track_range) in exact.items():
            tally["small cells"] += 1
            unavoidable_zero = on_track[cell] == 0 and shown_zero_above(cell, hidden, on_track)
            pupil_width = pupil_range[1] - pupil_range[0]
            on_track_width = on_track_range[1] - on_track_range[0]
            pupils_pinned = pupil_width == 0 and assessed[cell] > 0
            on_track_pinned = on_track_width == 0 and pupil_width > 0 and not unavoidable_zero
            tally["pupils pinned, group not empty"] += pupils_pinned
            tally["pupils within 1"] += pupil_width <= 1
            tally["on track pinned, not by a shown 0"] += on_track_pinned
            tally["on track within 1"] += on_track_width <= 1
            leaked = leaked or pupils_pinned or on_track_pinned
        tally["tables with a pinned small group (exact)"] += leaked
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=200, help="generated schools per setting")
    parser.add_argument("--seed", type=int, default=100,
                        help="random seed of the first setting, plus 1 for each next setting")
    args = parser.parse_args()
    settings = [(5, (0, 12), (0, 12)), (5, (0, 12), (15, 30)), (3, (0, 12), (0, 12)), (6, (0, 12), (0, 12)),
                (10, (0, 12), (0, 12))]
    for offset, (small_group, pp, non_pp) in enumerate(settings):
        tally = count_leaks(args.schools, small_group, args.seed + offset, pp, non_pp)
        label = f"N={small_group}, PP {pp[0]}-{pp[1]}, non-PP {non_pp[0]}-{non_pp[1]} per year"
        print(label, json.dumps(dict(tally), indent=1), flush=True)


if __name__ == "__main__":
    main()
