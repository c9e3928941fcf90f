"""Prescales (PSNM): a prescale N keeps 1/N of a fired line, 0 keeps none, and the choice
depends on the event number only."""

import copy

import numpy as np
import pytest

from belle2sim.trigger.bits import psnm
from belle2sim.trigger.lines import PackedLines
from belle2sim.trigger.menu import Line


def _menu_with(menu, prescales):
    m = copy.copy(menu)
    m.lines = {name: Line(name, "t2 >= 1", n, ("bit", "t2")) for name, n in prescales.items()}
    return m


def _fired(n, names):
    return PackedLines({name: np.packbits(np.ones(n, dtype=bool)) for name in names}, n)


@pytest.mark.parametrize("prescale", [2, 10, 100])
def test_kept_fraction_is_one_over_n(menu, prescale):
    n = 200_000
    m = _menu_with(menu, {"x": prescale})
    kept = psnm(_fired(n, ["x"]), m, 3, np.arange(n))["x"]
    p = 1.0 / prescale
    assert abs(kept.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_prescale_zero_keeps_none_and_one_keeps_all(menu):
    n = 5000
    m = _menu_with(menu, {"off": 0, "on": 1})
    out = psnm(_fired(n, ["off", "on"]), m, 3, np.arange(n))
    assert not out["off"].any() and out["on"].all()


def test_unfired_events_are_never_kept(menu):
    n = 4000
    m = _menu_with(menu, {"x": 2})
    fired = np.zeros(n, dtype=bool)
    fired[::3] = True
    kept = psnm(PackedLines({"x": np.packbits(fired)}, n), m, 3, np.arange(n))["x"]
    assert not (kept & ~fired).any()
    assert 0.4 < kept[fired].mean() < 0.6


def test_choice_depends_on_the_event_number_only(menu):
    """The same events in another order and another chunk keep the same decisions; two lines
    with the same prescale decide independently (keyed by the line name)."""
    n = 3000
    m = _menu_with(menu, {"a": 3, "b": 3})
    numbers = np.arange(10_000, 10_000 + n)
    whole = psnm(_fired(n, ["a", "b"]), m, 9, numbers)
    perm = np.random.default_rng(1).permutation(n)
    part = psnm(_fired(n, ["a", "b"]), m, 9, numbers[perm])
    np.testing.assert_array_equal(part["a"], whole["a"][perm])
    assert (whole["a"] != whole["b"]).any()
    other_seed = psnm(_fired(n, ["a"]), _menu_with(menu, {"a": 3}), 10, numbers)
    assert (other_seed["a"] != whole["a"]).any()


def test_a_study_copy_with_another_prescale_gets_its_own_plan(menu):
    """The compiled menu and the prescale plan are found by the lines' objects (Menu.for_lines):
    a copy sharing the cache with one line replaced must not reuse the original's plan, and a
    line cannot be edited in place behind the cache's back."""
    import dataclasses

    from belle2sim.trigger.bits import psnm

    n = 4000
    base = _menu_with(menu, {"a": 1, "b": 1})
    fired = _fired(n, ["a", "b"])
    assert psnm(fired, base, 1, np.arange(n))["b"].all()
    study = copy.copy(base)  # shares base's cache dict
    study.lines = dict(base.lines, b=dataclasses.replace(base.lines["b"], prescale=0))
    assert not psnm(fired, study, 1, np.arange(n))["b"].any()
    assert psnm(fired, base, 1, np.arange(n))["b"].all()  # and the original still has its own
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.lines["b"].prescale = 5


def test_lines_read_from_the_menu_programs_registers_prescale_as_lines_given_one_by_one(card):
    """psnm reads the compiled menu's register matrix in place (rows of the lines among the
    program's other registers) and writes the prescaled lines into its spare rows: the same kept
    events as for each line handed over on its own, lines of prescale 0 cleared, and the lines
    before prescale (the same matrix) untouched."""
    import dataclasses

    from belle2sim.generators import dark_photon
    from belle2sim.simulate import simulate_chunk
    from belle2sim.trigger.bits import ftdl
    from belle2sim.trigger.menu import load_menu

    menu = load_menu()  # (its own copy: one line is switched off below)
    n = 20_003  # (not a whole number of 64-event words)
    batch = dark_photon.generate(2, 0, n, 1.0, 5.0, 175.0, card.beams)
    fired = ftdl(simulate_chunk(batch, card, menu, 2).bits, menu)
    off = next(name for name, line in menu.lines.items() if line.prescale == 1 and fired[name].any())
    menu.lines[off] = dataclasses.replace(menu.lines[off], prescale=0)
    lines = ftdl(simulate_chunk(batch, card, menu, 2).bits, menu)
    scaled = {name: line.prescale for name, line in menu.lines.items()}
    assert any(p > 1 for p in scaled.values()) and any(p == 1 for p in scaled.values())
    before = {name: np.array(lines[name]) for name in menu.lines}
    alone = PackedLines({name: np.array(lines.packed[name]) for name in lines.packed}, n)
    a, b = psnm(lines, menu, 4, batch.number), psnm(alone, menu, 4, batch.number)
    for name in menu.lines:
        assert np.array_equal(a[name], b[name])
        assert np.array_equal(lines[name], before[name])
    assert any(a[name].any() for name in menu.lines if menu.lines[name].prescale > 1)
    assert before[off].any() and not a[off].any()
    name = max((k for k in scaled if scaled[k] > 1), key=lambda k: before[k].sum())  # the most fired
    p, n_fired = 1.0 / scaled[name], before[name].sum()
    assert abs(a[name].sum() - p * n_fired) < 5 * np.sqrt(n_fired * p * (1 - p)) + 1


def test_a_loaded_menus_lines_edited_in_place_are_seen_by_the_next_chunk(card, menu):
    """A loaded menu's lines are a LineTable: Menu.for_lines checks its change count, not every
    line. Editing a line in place (a prescale, a logic) must reach the next chunk's compiled menu
    and prescale plan, through every way of editing a dict."""
    import dataclasses

    from belle2sim.generators import dark_photon
    from belle2sim.simulate import simulate_chunk
    from belle2sim.trigger import logic
    from belle2sim.trigger.menu import LineTable, load_menu

    edited = load_menu()  # (its own copy: the session's menu fixture stays as loaded)
    assert isinstance(edited.lines, LineTable)
    n = 4000
    batch = dark_photon.generate(2, 0, n, 1.0, 5.0, 175.0, card.beams)
    chunk = simulate_chunk(batch, card, edited, 2)
    name = next(k for k, line in edited.lines.items() if line.prescale == 1 and chunk.ftdl[k].any())
    assert chunk.psnm[name].any()
    edited.lines[name] = dataclasses.replace(edited.lines[name], prescale=0)
    assert not simulate_chunk(batch, card, edited, 2).psnm[name].any()
    edited.lines[name] = dataclasses.replace(edited.lines[name], prescale=1, logic="!t2", ast=logic.parse("!t2"))
    again = simulate_chunk(batch, card, edited, 2)
    np.testing.assert_array_equal(again.ftdl[name], again.bits["t2"] == 0)
    before = edited.lines.version
    for edit in (lambda t: t.update({"_a": t[name]}), lambda t: t.pop("_a"), lambda t: t.setdefault("_b", t[name]),
                 lambda t: t.__delitem__("_b"), lambda t: t.__ior__({"_c": t[name]}), lambda t: t.popitem()):
        edit(edited.lines)
    assert edited.lines.version == before + 6 and not {"_a", "_b", "_c"} & set(edited.lines)
    assert list(simulate_chunk(batch, card, edited, 2).ftdl) == list(edited.lines)


def test_each_fired_event_is_kept_by_its_own_draw(menu):
    """Every fired event of a line of prescale N is kept exactly where its own uniform draw, from
    (seed, event number, the line's counter: crc32 of its name), is below 1/N (the kernel draws for
    64 events at a time); an event count that is not a multiple of 64 leaves the padding bits of
    the last byte clear."""
    import zlib

    from belle2sim import rng

    n, seed = 1000 + 37, 5
    m = _menu_with(menu, {"sparse": 3, "dense": 7})
    numbers = np.arange(50_000, 50_000 + n) * 3
    fired = {"sparse": np.random.default_rng(2).random(n) < 0.05, "dense": np.random.default_rng(3).random(n) < 0.9}
    fired["sparse"][:64] = False  # (a whole word without a fired event)
    lines = PackedLines({name: np.packbits(f) for name, f in fired.items()}, n)
    out = psnm(lines, m, seed, numbers)
    for name, f in fired.items():
        with np.errstate(over="ignore"):  # (the hash's 64-bit products wrap around, as in the kernel)
            counter = rng.mix64.py_func(np.uint64(zlib.crc32(name.encode())))
            draws = np.array([rng.uniform_mixed.py_func(rng.event_key.py_func(seed, int(x), rng.STAGE_PRESCALE),
                                                        counter) for x in numbers])
        np.testing.assert_array_equal(out[name], f & (draws < 1.0 / m.lines[name].prescale))
        matrix, rows = out.matrix_rows([name])
        assert matrix[rows[0], n // 8] & (0xFF >> (n % 8)) == 0  # (the last byte's bits after the last event)
