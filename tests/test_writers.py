"""Failure paths of the writers: an exception while writing leaves the directory as it was
(no output, no temporary file, an existing file untouched)."""

import pytest

from belle2sim.output import tables
from belle2sim.output.atomic import atomic_path, write_text


def _doc():
    point = {"mass_GeV": 1.0, "n_generated": 10, "efficiency": 0.5, "efficiency_err": 0.1,
             "efficiency_interval_68": [0.4, 0.6], "selection_efficiency": 0.6, "trigger_efficiency": 0.7,
             "trigger_efficiency_err": 0.1, "trigger_efficiency_selected": 0.8, "trigger_efficiency_selected_err": 0.1,
             "lines": {"ffo": 0.7}, "lines_selected": {"ffo": 0.8}, "lines_unique": {"ffo": 0.8},
             "cut_flow": {"a": 0.6}, "cross_section_fb": 1.0, "branching_fraction": 1.0, "parameters": {}}
    return {"channel": "x", "analysis": "generic", "trigger": {"logic": "ffo", "source": "s"},
            "trigger_calibration_period": "ideal", "sqrt_s_GeV": 10.58, "seed": 1, "events_per_point": 10,
            "coupling": {}, "phase_space": {}, "not_modelled": [], "points": [point]}


def _boom(*args, **kwargs):
    raise RuntimeError("disk full")


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_table_writer_failure_leaves_nothing(tmp_path, monkeypatch, suffix):
    target = tmp_path / ("out" + suffix)
    monkeypatch.setattr("pathlib.Path.write_text", _boom)
    with pytest.raises(RuntimeError):
        tables.write(_doc(), target)
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_an_existing_file(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old")
    monkeypatch.setattr("belle2sim.output.tables.to_json", _boom)
    with pytest.raises(RuntimeError):
        tables.write(_doc(), target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_plot_writer_failure_leaves_nothing(tmp_path, monkeypatch):
    from belle2sim.output.plots import plot_scan

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", _boom)
    with pytest.raises(RuntimeError):
        plot_scan(_doc(), tmp_path / "eff.png")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_success_and_failure(tmp_path):
    with atomic_path(tmp_path / "a.txt") as tmp:
        tmp.write_text("ok")
        assert tmp.name.endswith(".part")
    assert (tmp_path / "a.txt").read_text() == "ok"
    with pytest.raises(ValueError):
        with atomic_path(tmp_path / "b.txt") as tmp:
            tmp.write_text("half")
            raise ValueError
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    write_text(tmp_path / "c.txt", "x")
    assert (tmp_path / "c.txt").read_text() == "x"
