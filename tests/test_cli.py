"""The command line: bad input fails clearly with no output file; the main job runs."""

import json
import subprocess
import sys

import pytest

from belle2sim import resources


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "belle2sim.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_start_up_imports_nothing_heavy():
    code = "import sys, belle2sim.cli; print(any(m in sys.modules for m in ('numba', 'numpy', 'matplotlib')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False"
    v = run("--version")
    assert v.returncode == 0 and "belle2sim" in v.stdout


def test_help_teaches():
    out = run("efficiency", "--help")
    assert out.returncode == 0
    for word in ("GeV", "Example", "--param", "yield", "--threads"):
        assert word in out.stdout


def test_channels_lists_parameters_with_units():
    out = run("channels")
    assert out.returncode == 0
    assert "dark-photon-invisible" in out.stdout and "mass_GeV" in out.stdout and "epsilon" in out.stdout


def test_efficiency_json_and_csv(tmp_path):
    js, cs, png = tmp_path / "e.json", tmp_path / "e.csv", tmp_path / "e.png"
    out = run("efficiency", "dark-photon-invisible", "--mass", "1,7", "--events", "3000", "-o", str(js),
              "--plot", str(png), "--param", "epsilon=0.01")
    assert out.returncode == 0, out.stderr
    doc = json.loads(js.read_text())
    assert doc["channel"] == "dark-photon-invisible" and doc["coupling"] == {"epsilon": 0.01}
    assert len(doc["detector_card"]["sha256"]) == 64 and len(doc["trigger_menu"]["sha256"]) == 64
    assert set(doc["phase_space"]) == {"theta_gamma_cm_min_deg", "theta_gamma_cm_max_deg"}
    p = doc["points"][0]
    for key in ("mass_GeV", "n_generated", "efficiency", "efficiency_err", "trigger_efficiency", "lines",
                "cross_section_fb", "parameters"):
        assert key in p
    assert p["parameters"]["epsilon"] == 0.01 and p["n_generated"] == 3000
    assert png.stat().st_size > 10_000
    out = run("efficiency", "dark-photon-invisible", "--mass", "1", "--events", "2000", "-o", str(cs))
    assert out.returncode == 0
    assert cs.read_text().splitlines()[0].startswith("mass_GeV,n_generated,efficiency")


@pytest.mark.parametrize("args,message", [
    (["efficiency", "no-such-channel"], "unknown channel 'no-such-channel'"),
    (["efficiency", "dark-photon-invisible", "--mass", "11"], "not below sqrt(s)"),
    (["efficiency", "dark-photon-invisible", "--mass", "-1"], "mass_GeV: -1.0 is out of range"),
    (["efficiency", "dark-photon-invisible", "--param", "epsilon=nan"], "not a finite number"),
    (["efficiency", "dark-photon-invisible", "--param", "epsilon=-2"], "epsilon: -2.0 is out of range"),
    (["efficiency", "dark-photon-invisible", "--param", "coupling=1"], "has no parameter coupling"),
    (["efficiency", "dark-photon-invisible", "--events", "0"], "--events must be positive"),
    (["efficiency", "dark-photon-invisible", "--mass", "abc"], "comma-separated numbers"),
    (["efficiency", "dark-photon-invisible", "--threads", "0"], "--threads must be between 1 and"),
    (["efficiency", "zprime-tautau", "--mass", "3"], "must lie between 2 m_tau"),
    (["efficiency", "tau-to-lepton-alpha", "--param", "lepton_pdg=12"], "lepton_pdg must be 11 (e) or 13 (mu)"),
    (["efficiency", "dark-higgs-visible", "--mass", "2", "--param", "h_mass_GeV=3"], "must exceed 2 x mass_GeV"),
])
def test_bad_input_fails_without_output(tmp_path, args, message):
    target = tmp_path / "out.json"
    out = run(*args, "-o", str(target))
    assert out.returncode != 0
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_malformed_card_and_menu_fail_without_output(tmp_path):
    card = tmp_path / "bad_card.toml"
    card.write_text(resources.shipped("geometry", "belle2.toml").read_text().replace("[ecl]", "[ecal]"))
    menu = tmp_path / "bad_menu.toml"
    menu.write_text(resources.shipped("trigger", "belle2_l1.toml").read_text().replace("ehigh and", "ehihg and"))
    for opt, path, message in (("--detector", card, "unknown key 'ecal'"), ("--menu", menu, "ehihg")):
        target = tmp_path / "out.json"
        out = run("efficiency", "dark-photon-invisible", opt, str(path), "-o", str(target))
        assert out.returncode == 2 and message in out.stderr and str(path) in out.stderr
        assert not target.exists()
