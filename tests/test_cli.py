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


def test_a_run_leaves_the_heavy_libraries_out(tmp_path):
    """Start-up costs of a run: the command line tells numba to skip the extensions of vector and
    awkward (0.5-1 s of imports at the first kernel call), the error bars need no scipy.stats (1 s),
    and the objects made before the scan are frozen out of the collector's full scans."""
    out_file = tmp_path / "eff.json"
    code = ("import gc, sys; from belle2sim.cli import run\n"
            f"sys.argv = ['belle2sim', 'efficiency', 'dark-photon-invisible', '--mass', '1', '--events', '500', "
            f"'-q', '-o', {str(out_file)!r}]\n"
            "try:\n    run()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print([m for m in ('vector.backends._numba', 'scipy.stats') if m in sys.modules], "
            "gc.get_freeze_count() > 10000)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1] == "[] True", out.stderr
    assert json.loads(out_file.read_text())["points"]


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
    (["efficiency", "dark-photon-invisible", "--events", "0"], "--events must be between 1 and"),
    (["efficiency", "dark-photon-invisible", "--mass", "abc"], "comma-separated numbers"),
    (["efficiency", "dark-photon-invisible", "--threads", "0"], "--threads must be between 1 and"),
    (["efficiency", "zprime-tautau", "--mass", "3"], "must lie between 2 m_tau"),
    (["efficiency", "tau-to-lepton-alpha", "--param", "lepton_pdg=12"], "is not one of 11, 13"),
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


def test_analysis_and_trigger_options(tmp_path):
    js = tmp_path / "z.json"
    out = run("efficiency", "zprime-invisible", "--mass", "3", "--events", "3000", "--analysis", "1912.11276",
              "--trigger", "ffo or hie", "-o", str(js), "-q")
    assert out.returncode == 0, out.stderr
    doc = json.loads(js.read_text())
    assert doc["analysis"] == "1912.11276" and doc["trigger_calibration_period"] == "2018"
    assert doc["trigger"] == {"logic": "ffo or hie", "source": "user (--trigger)"}
    assert any("tau suppression" in item for item in doc["not_modelled"])
    p = doc["points"][0]
    assert set(p["lines_unique"]) == {"ffo", "hie"}
    for key in ("trigger_efficiency_selected", "trigger_efficiency_selected_err", "lines_selected"):
        assert key in p
    assert "ffo" in out.stdout and "trig|sel" in out.stdout


@pytest.mark.parametrize("args,message", [
    (["--analysis", "9999.99999"], "no analysis '9999.99999'"),
    (["--trigger", "ffo or nosuchbit"], "nosuchbit"),
    (["--period", "1999"], "no trigger-calibration period '1999'"),
    (["--param", "isr=2"], "isr: 2 is not one of 0, 1"),
])
def test_bad_analysis_trigger_period_fail_clearly(args, message):
    out = run("efficiency", "zprime-invisible", "--events", "100", *args)
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_validate_writes_the_report(tmp_path):
    md = tmp_path / "v.md"
    out = run("validate", "--events", "300", "-o", str(md))
    assert out.returncode == 0, out.stderr
    text = md.read_text()
    for piece in ("## 1. Channels and analyses", "2212.03066", "(79 +- 5)%", "## 3. Closed-form checks"):
        assert piece in text
