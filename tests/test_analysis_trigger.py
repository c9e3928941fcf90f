"""Analysis triggers: logic over lines and bits at their edges, the JSON bookkeeping of the
trigger efficiencies, and the --analysis / --trigger options."""

import numpy as np
import pytest

from belle2sim.channels import get
from belle2sim.errors import MenuError, ParameterError
from belle2sim.scan import run_point
from belle2sim.simulate import simulate_chunk
from belle2sim.trigger.analysis import AnalysisTrigger, resolve, trigger_terms
from conftest import make_batch, particle as mu


def fire(card, menu, logic, events):
    chunk = simulate_chunk(make_batch(events), card, menu, 3, period="ideal")
    ast, lines = resolve(AnalysisTrigger(logic, "test"), menu)
    return trigger_terms(ast, lines, chunk.bits, chunk.psnm)


@pytest.mark.parametrize("theta_deg,dphi_deg,tt90,tt30", [
    (60.0, 170.0, True, True),
    (60.0, 60.0, False, True),     # opening 60 deg: only the 2020 (30 deg) trigger
    (60.0, 20.0, False, False),    # opening 20 deg: neither
    (36.0, 170.0, False, False),   # one track below 37 deg
    (38.0, 170.0, True, True),
    (121.0, 170.0, False, False),  # one track above 120 deg
    (119.0, 170.0, True, True),
])
def test_two_track_triggers_at_their_edges(card, menu, theta_deg, dphi_deg, tt90, tt30):
    """tt90 / tt30: two tracks in 37-120 deg with dphi > 90 / 30 deg (arXiv:2212.03066 p. 3)."""
    event = [mu(13, 3.0, 90.0, 5.0), mu(-13, 3.0, theta_deg, 5.0 + dphi_deg)]
    assert fire(card, menu, "tt90", [event])[0][0] == tt90
    assert fire(card, menu, "tt30", [event])[0][0] == tt30


def test_three_track_trigger_needs_three_in_the_polar_range(card, menu):
    inside = [mu(13, 2.0, 60, 0), mu(-13, 2.0, 80, 120), mu(13, 2.0, 100, 240)]
    outside = [mu(13, 2.0, 60, 0), mu(-13, 2.0, 80, 120), mu(13, 2.0, 125, 240)]
    fired, _ = fire(card, menu, "ttt", [inside, outside])
    assert list(fired) == [True, False]
    # the ftd_0036 fff line has no polar restriction (125 deg is inside the 2D acceptance)
    fired, _ = fire(card, menu, "fff", [inside, outside])
    assert list(fired) == [True, True]


def test_three_cluster_ecl_trigger_thresholds(card, menu):
    """lml0 (arXiv:2212.03634): >= 3 clusters, one above 0.3 GeV, not Bhabha-like."""
    def gammas(energies):
        return [(22, e * np.cos(f), e * np.sin(f), 0.0, e) for e, f in zip(energies, (0.3, 2.0, 4.0))]
    fired, _ = fire(card, menu, "lml0", [gammas([0.5, 0.15, 0.15]), gammas([0.25, 0.15, 0.15]),
                                         gammas([0.5, 0.15])])
    assert list(fired) == [True, False, False]


def test_unique_contribution_is_what_dropping_the_line_costs(card, menu):
    """'ttt or mu1': an event with three tracks and a KLM muon is fired by both (unique for
    neither); three electrons (no KLM hits) only by ttt; one muon only by mu1."""
    both = [mu(13, 2.0, 60, 0), mu(-13, 2.0, 80, 120), mu(13, 2.0, 100, 240)]
    pions = [(11,) + mu(13, 2.0, 60, 0)[1:], (-11,) + mu(13, 2.0, 80, 120)[1:], (11,) + mu(13, 2.0, 100, 240)[1:]]
    one = [mu(13, 2.0, 80, 0)]
    fired, unique = fire(card, menu, "ttt or mu1", [both, pions, one])
    assert list(fired) == [True, True, True]
    assert list(unique["ttt"]) == [False, True, False]
    assert list(unique["mu1"]) == [False, False, True]


def test_bad_trigger_logic_names_the_problem(menu):
    with pytest.raises(MenuError, match="names nosuchline"):
        resolve(AnalysisTrigger("tt90 or nosuchline", "x"), menu)
    with pytest.raises(MenuError, match="trigger logic"):
        resolve(AnalysisTrigger("tt90 or or", "x"), menu)
    assert resolve(AnalysisTrigger("any", "x"), menu)[1] == menu.unprescaled()


def test_selected_trigger_efficiency_matches_the_cut_flow(card, menu):
    ch = get("zprime-invisible")
    params = ch.resolve_parameters({"mass_GeV": 4.0}, card)
    point = run_point(ch, params, card, menu, 4000, 5, chunk_size=1500).to_dict("mass_GeV")
    flow = list(point["cut_flow"].values())
    selected = flow[-2]
    assert point["selection_efficiency"] == pytest.approx(selected)
    assert point["trigger_efficiency_selected"] == pytest.approx(point["efficiency"] / selected)
    assert 0 < point["trigger_efficiency_selected_err"] < 0.05
    # the default analysis is arXiv:2212.03066 with the 2020 two-track trigger: on selected
    # events tt30 carries everything and is unique (the only line of the trigger)
    assert point["lines_unique"] == {"tt30": pytest.approx(point["trigger_efficiency_selected"])}
    assert point["lines_selected"]["tt30"] == pytest.approx(point["trigger_efficiency_selected"])


def test_analysis_choice_and_errors(card):
    ch = get("zprime-invisible")
    assert [a.key for a in ch.analyses] == ["2212.03066", "1912.11276", "generic"]
    assert ch.analysis().key == "2212.03066"
    assert ch.analysis("1912.11276").period == "2018"
    with pytest.raises(ParameterError, match="no analysis '1234.5678'"):
        ch.analysis("1234.5678")
    # a parameter of another analysis is unknown to this one
    with pytest.raises(ParameterError, match="no parameter min_muon_id"):
        ch.resolve_parameters({"min_muon_id": 2}, card, "2212.03066")
    assert ch.resolve_parameters({"min_muon_id": 2}, card, "generic")["min_muon_id"] == 2


def test_any_trigger_unique_lines():
    """'any' (the OR of the unprescaled lines): an event fired by two lines is unique to neither,
    one fired by a single line is unique to it, an unfired event to none."""
    from belle2sim.trigger.lines import PackedLines

    n = 3
    a = np.array([True, True, False])
    b = np.array([True, False, False])
    psnm = PackedLines({"a": np.packbits(a), "b": np.packbits(b)}, n)
    fired, unique = trigger_terms(None, ["a", "b"], {"t2": np.zeros(n, dtype=np.int8)}, psnm)
    assert list(fired) == [True, True, False]
    assert list(unique["a"]) == [False, True, False]
    assert list(unique["b"]) == [False, False, False]


@pytest.mark.parametrize("text", ["a or b or c or d", "(a and !t2) or (b and c) or (a and c)",
                                  "!(a or b) and (c or t2 >= 2) or d"])
def test_unique_lines_reuse_the_parts_without_the_line(text):
    """A line's unique contribution is 'fired and not fired with this line off'; the parts of the
    logic that do not read the line are reused from the first evaluation, and every answer is
    that of evaluating the logic afresh with the line off (lines shared by several terms, bits
    beside lines, a negated line)."""
    from belle2sim.trigger import logic
    from belle2sim.trigger.lines import PackedLines

    r = np.random.default_rng(7)
    n = 2000
    rows = {k: r.random(n) < p for k, p in zip("abcd", (0.3, 0.5, 0.2, 0.1))}
    psnm = PackedLines({k: np.packbits(v) for k, v in rows.items()}, n)
    bits = {"t2": r.integers(0, 4, n).astype(np.int8)}
    ast = logic.parse(text)
    lines = sorted(logic.names(ast) - {"t2"})
    fired, unique = trigger_terms(ast, lines, bits, psnm)
    space = {**bits, **{k: v.astype(np.int8) for k, v in rows.items()}}
    assert np.array_equal(fired, logic.evaluate(ast, space))
    for name in lines:
        afresh = logic.evaluate(ast, {**space, name: np.zeros(n, dtype=np.int8)})
        assert np.array_equal(unique[name], fired & ~afresh), name
    # (a negated line is never needed: switching it off fires more)
    assert any(0 < unique[name].sum() < fired.sum() for name in lines)


@pytest.mark.parametrize("trigger", ["fff or ffo or hie", "any"])
def test_packed_or_terms_count_as_the_logic_does_with_weights(card, menu, trigger):
    """A job counts an OR-of-lines trigger's "fired alone" terms bit-packed (or_terms_packed and
    one popcount kernel); the logic's own evaluation, on the same events with some weights not 1
    (matrix-element overflows), gives the same sums, exactly."""
    from belle2sim.scan import PointJob
    from belle2sim.trigger.analysis import AnalysisTrigger

    ch = get("dark-higgs-visible")
    params = ch.resolve_parameters({"mass_GeV": 1.0}, card)
    job = PointJob(ch, params, card, menu, 5, trigger=AnalysisTrigger(trigger, "test"))
    assert job._or_trigger and len(job.trigger_lines) >= 3
    batch = ch.generate(5, 0, 20_000, params, card)
    batch.weight = np.ones(len(batch))
    batch.weight[::7] = 2.5
    counters = []
    for packed in (True, False):
        job._or_trigger = packed
        counter = job.new_counter()
        job._process(batch, counter, simulate_chunk(batch, card, menu, 5))
        counters.append(counter)
    for name in job.trigger_lines:
        sums = [c._sums("unique " + name) for c in counters]
        assert sums[0] == sums[1]
    if trigger != "any":  # (with 'any', ~100 lines, no event of this channel fires only one)
        assert any(counters[0]._sums("unique " + name)[0] > 0 for name in job.trigger_lines)
    assert counters[0]._sums("trigger") == counters[1]._sums("trigger") and counters[0]._sums("trigger")[0] > 0
