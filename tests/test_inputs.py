"""Events from files: HepMC3 and LHE give the generator's efficiencies, frames, broken files."""

import gzip
import json
import subprocess
import sys

import numpy as np
import pytest

from belle2sim.channels import get
from belle2sim.errors import InputFileError
from belle2sim.external import run_input
from belle2sim.inputs import open_events
from belle2sim.output.hepmc_writer import write_hepmc
from belle2sim.scan import run_scan, scan_document

pytest.importorskip("pyhepmc")


def _generated(card, n=3000, mass=2.0, name="zprime-mumu"):
    ch = get(name)
    params = ch.resolve_parameters({"mass_GeV": mass}, card)
    return ch, [ch.generate(1, first, 1000, params, card) for first in range(0, n, 1000)]


def _doc(ch, results, card, menu, n):
    doc = scan_document(ch, results, card, menu, 1, n, {})
    for p in doc["points"]:
        for key in ("cross_section_fb", "branching_fraction"):
            p.pop(key)
    doc.pop("cross_section")
    return doc


def test_hepmc_file_of_our_events_gives_the_generator_numbers(tmp_path, card, menu):
    ch, batches = _generated(card)
    write_hepmc(batches, tmp_path / "z.hepmc3")
    direct = run_scan(ch, [2.0], {}, card, menu, 3000, 1)
    from_file, info = run_input(tmp_path / "z.hepmc3", ch, [2.0], {}, card, menu, 1, chunk_size=700)
    assert info.frame == "lab" and info.n_events == 3000 and not info.warnings
    assert _doc(ch, direct, card, menu, 3000) == _doc(ch, from_file, card, menu, 3000)
    # two mass windows in one pass over the file (shared detector response) = two separate passes
    both, _ = run_input(tmp_path / "z.hepmc3", ch, [1.0, 2.0], {}, card, menu, 1, chunk_size=700)
    one, _ = run_input(tmp_path / "z.hepmc3", ch, [1.0], {}, card, menu, 1)
    assert _doc(ch, both, card, menu, 3000)["points"] == _doc(ch, one + from_file, card, menu, 3000)["points"]


def _lhe(events, beams=(5.29, 5.29), weights=None):
    lines = ["<LesHouchesEvents version=\"3.0\">", "<init>",
             f"11 -11 {beams[0]} {beams[1]} 0 0 0 0 3 1", "1.5 0.01 1.0 1", "</init>"]
    for k, ev in enumerate(events):
        lines.append("<event>")
        lines.append(f"{len(ev)} 1 {1.0 if weights is None else weights[k]} 10.58 0.0078 0.118")
        for pdg, status, m1, px, py, pz, e, m in ev:
            lines.append(f"{pdg} {status} {m1} 0 0 0 {px:.16e} {py:.16e} {pz:.16e} {e:.16e} {m:.16e} 0 9")
        lines.append("</event>")
    lines.append("</LesHouchesEvents>")
    return "\n".join(lines) + "\n"


def test_event_weights_from_files_are_kept_relative_to_the_first(tmp_path, card):
    """Weighted events keep their weights through HepMC3 and LHE (relative to the file's first
    non-zero weight: a file of equal weights reads as unit weights, whatever its normalisation);
    a non-finite weight is an error naming the event."""
    _, batches = _generated(card, n=1000)
    written = np.concatenate([1.0 + (b.number % 3) * 0.25 for b in batches])
    for b in batches:
        b.weight = 2.0 * (1.0 + (b.number % 3) * 0.25)
    write_hepmc(batches, tmp_path / "w.hepmc3")
    read = np.concatenate([b.weight for b in open_events(tmp_path / "w.hepmc3", card, chunk_size=300)])
    np.testing.assert_array_equal(read, written)
    half = card.beams.sqrt_s_GeV / 2
    e = [(11, -1, 0, 0.0, 0.0, half, half, 0.0), (-11, -1, 0, 0.0, 0.0, -half, half, 0.0),
         (22, 1, 1, 0.6 * half, 0.0, 0.8 * half, half, 0.0), (22, 1, 1, -0.6 * half, 0.0, -0.8 * half, half, 0.0)]
    for weights, expected in (([0.37] * 4, [1.0] * 4), ([0.0, 2.0, 4.0, 3.0], [0.0, 1.0, 2.0, 1.5])):
        (tmp_path / "w.lhe").write_text(_lhe([e] * 4, (half, half), weights))
        (batch,) = list(open_events(tmp_path / "w.lhe", card))
        np.testing.assert_array_equal(batch.weight, expected)
    (tmp_path / "w.lhe").write_text(_lhe([e] * 3, (half, half), [1.0, float("nan"), 1.0]))
    with pytest.raises(InputFileError, match="event 1: event weight nan"):
        list(open_events(tmp_path / "w.lhe", card))


def test_cm_frame_events_are_boosted_to_the_superkekb_lab(tmp_path, card):
    half = card.beams.sqrt_s_GeV / 2
    u = np.array([3.0, 1.0, 2.0]) / np.sqrt(14.0) * half
    e = [(11, -1, 0, 0.0, 0.0, half, half, 0.0), (-11, -1, 0, 0.0, 0.0, -half, half, 0.0),
         (22, 1, 1, *u, half, 0.0), (22, 1, 1, *(-u), half, 0.0)]
    path = tmp_path / "cm.lhe.gz"
    with gzip.open(path, "wt") as f:
        f.write(_lhe([e] * 3, (half, half)))
    source = open_events(path, card)
    (batch,) = list(source)
    assert source.info.frame == "c.m." and source.info.cross_section_pb == pytest.approx(1.5)
    her, ler = card.beams.nominal_fourvectors()
    for k, beam in ((0, her), (1, ler)):
        got = [batch.px[k], batch.py[k], batch.pz[k], batch.E[k]]
        np.testing.assert_allclose(got, beam, atol=1e-9)
    total = [batch.px[2] + batch.px[3], batch.py[2] + batch.py[3], batch.pz[2] + batch.pz[3], batch.E[2] + batch.E[3]]
    np.testing.assert_allclose(total, card.beams.total_fourvector, atol=1e-9)  # the photons carry all of it


def test_lhe_of_our_lab_events_gives_statistically_the_same_efficiency(tmp_path, card, menu):
    ch, batches = _generated(card, n=4000)
    events = []
    for b in batches:
        for i in range(len(b)):
            rows = []
            for j in range(b.offsets[i], b.offsets[i + 1]):
                status = -1 if b.status[j] == 4 else int(b.status[j])
                m = np.sqrt(max(b.E[j] ** 2 - b.px[j] ** 2 - b.py[j] ** 2 - b.pz[j] ** 2, 0.0))
                mother = b.parent[j] + 1 if b.parent[j] >= 0 else (1 if status != -1 else 0)
                rows.append((int(b.pdg[j]), status, mother, b.px[j], b.py[j], b.pz[j], b.E[j], m))
            events.append(rows)
    (tmp_path / "z.lhe").write_text(_lhe(events, (7.0, 4.0)))
    direct = run_scan(ch, [2.0], {}, card, menu, 4000, 1)[0].to_dict("mass_GeV")
    (from_file,), info = run_input(tmp_path / "z.lhe", ch, [2.0], {}, card, menu, 1)
    point = from_file.to_dict("mass_GeV")
    assert info.frame == "lab"
    # the same events, from the origin instead of the beam spot: equal within a couple of events
    assert abs(point["efficiency"] - direct["efficiency"]) < 3 / 4000


def _nan_momentum(text):
    """The px of the first outgoing particle (a 'P' line with status 1) set to nan."""
    lines = text.split("\n")
    for k, line in enumerate(lines):
        fields = line.split()
        if fields and fields[0] == "P" and fields[-1] == "1":
            fields[4] = "nan"
            lines[k] = " ".join(fields)
            break
    return "\n".join(lines)


@pytest.mark.parametrize("mutate,message", [
    (lambda text: text[: len(text) // 2], "truncated"),
    (lambda text: "this is not an event file\n", "not a readable|no HepMC events"),
    (lambda text: _nan_momentum(text), "non-finite"),
    (lambda text: text.replace(" 22 ", " 99999 ", 1), "PDG id 99999"),
])
def test_broken_hepmc_files_are_errors_naming_the_file(tmp_path, card, mutate, message):
    ch, batches = _generated(card, n=1000, name="dark-photon-invisible", mass=1.0)
    good = tmp_path / "good.hepmc3"
    write_hepmc(batches, good)
    bad = tmp_path / "bad.hepmc3"
    bad.write_text(mutate(good.read_text()))
    with pytest.raises(InputFileError, match=message) as err:
        list(open_events(bad, card))
    assert "bad.hepmc3" in str(err.value)


def test_missing_beams_and_undecayed_particles_are_errors(tmp_path, card):
    no_beams = [[(22, 1, 0, 1.0, 0.0, 0.0, 1.0, 0.0), (22, 1, 0, -1.0, 0.0, 0.0, 1.0, 0.0)]]
    (tmp_path / "nb.lhe").write_text(_lhe(no_beams))
    with pytest.raises(InputFileError, match="beam"):
        list(open_events(tmp_path / "nb.lhe", card))
    half = card.beams.sqrt_s_GeV / 2
    m_pi0, m_ks = 0.1349768, 0.497611
    e_pi0, e_ks = np.hypot(1.0, m_pi0), np.hypot(2.0, m_ks)
    events = [[(11, -1, 0, 0, 0, half, half, 0), (-11, -1, 0, 0, 0, -half, half, 0),
               (111, 1, 1, 1.0, 0.0, 0.0, e_pi0, m_pi0), (310, 1, 1, 0.0, 2.0, 0.0, e_ks, m_ks),
               (22, 1, 1, -1.0, -2.0, 0.0, 2 * half - e_pi0 - e_ks, 0.0)]] * 400
    (tmp_path / "undecayed.lhe").write_text(_lhe(events, (half, half)))
    (batch,) = list(open_events(tmp_path / "undecayed.lhe", card))
    # the pi0 and the K0S are decayed by Pythia: their products carry their four-momentum
    assert np.all(batch.status[batch.offsets[:-1] + 2] == 2) and np.all(batch.status[batch.offsets[:-1] + 3] == 2)
    ev = np.repeat(np.arange(len(batch)), np.diff(batch.offsets))
    local_parent = batch.parent
    for slot in (2, 3):
        kids = (local_parent == slot) & (np.arange(batch.n_particles) >= batch.offsets[ev] + 5)
        for comp in ("px", "py", "pz", "E"):
            x = getattr(batch, comp)
            np.testing.assert_allclose(np.bincount(ev[kids], x[kids], len(batch)), x[batch.offsets[:-1] + slot],
                                       atol=1e-6)
    # K0S daughters start where it decayed: along its flight, exponential in its lab decay length
    ks_kids = (local_parent == 3) & (batch.status == 1)
    r = np.hypot(batch.vx[ks_kids], batch.vy[ks_kids])
    assert np.all(r > 0) and abs(np.median(r) / (np.log(2) * 2.0 / m_ks * 2.6844) - 1) < 0.25


def test_cli_input_runs_refuses_layout_selections_and_leaves_no_file(tmp_path, card):
    ch, batches = _generated(card, n=1000)
    write_hepmc(batches, tmp_path / "z.hepmc3")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "belle2sim.cli", "efficiency", *args], capture_output=True,
                              text=True, cwd=tmp_path)

    ok = cli("--input", "z.hepmc3", "--selection", "zprime-mumu", "--mass", "2", "-q", "--json")
    assert ok.returncode == 0, ok.stderr
    doc = json.loads(ok.stdout)
    assert doc["input"]["frame"] == "lab" and doc["points"][0]["cross_section_fb"] is None
    layout = cli("--input", "z.hepmc3", "--selection", "b-to-k-scalar", "-q")
    assert layout.returncode == 2 and "cannot run on events from a file" in layout.stderr
    (tmp_path / "broken.hepmc3").write_text((tmp_path / "z.hepmc3").read_text()[:5000])
    broken = cli("--input", "broken.hepmc3", "--selection", "zprime-mumu", "--mass", "2", "-q", "-o", "out.json")
    assert broken.returncode == 2 and "broken.hepmc3" in broken.stderr and "Traceback" not in broken.stderr
    assert not (tmp_path / "out.json").exists()


def test_simulate_writes_one_entry_per_event_with_the_chunk_numbers(tmp_path, card, menu):
    import uproot

    from belle2sim.simulate import simulate_chunk
    from belle2sim.simulate_file import simulate_file

    ch, batches = _generated(card, n=2000)
    write_hepmc(batches, tmp_path / "z.hepmc3")
    summary = simulate_file(tmp_path / "z.hepmc3", card, menu, str(tmp_path / "z.root"), chunk_size=300)
    tree = uproot.open(tmp_path / "z.root")["events"]
    assert tree.num_entries == 2000
    flow = list(summary["cut_flow"].values())
    assert flow[0] == 2000 and flow[3] >= flow[4]
    direct = simulate_chunk(batches[0], card, menu, 1)
    arrays = tree.arrays(["bit_t2", "psnm_mu1", "track_px"], entry_stop=1000, library="np")
    np.testing.assert_array_equal(arrays["bit_t2"], direct.bits["t2"])
    np.testing.assert_array_equal(arrays["psnm_mu1"], direct.psnm["mu1"])
    n_tracks = np.add.reduceat((direct.tracks.found & (direct.charge != 0)).astype(int), batches[0].offsets[:-1])
    assert [len(x) for x in arrays["track_px"]] == list(n_tracks)


def test_simulate_parquet_holds_the_same_events_as_root(tmp_path, card, menu):
    """-o out.parquet: one row per event, one row group per chunk, the same values as the ROOT tree."""
    import awkward as ak
    import pyarrow.parquet as pq
    import uproot

    from belle2sim.simulate_file import simulate_file

    _, batches = _generated(card, n=1000)
    write_hepmc(batches, tmp_path / "z.hepmc3")
    a = simulate_file(tmp_path / "z.hepmc3", card, menu, str(tmp_path / "z.parquet"), chunk_size=300, fmt="parquet")
    b = simulate_file(tmp_path / "z.hepmc3", card, menu, str(tmp_path / "z.root"), chunk_size=300)
    assert a == b
    assert pq.ParquetFile(tmp_path / "z.parquet").num_row_groups == 4  # 300 + 300 + 300 + 100 events
    events = ak.from_parquet(tmp_path / "z.parquet")
    tree = uproot.open(tmp_path / "z.root")["events"].arrays(["number", "bit_t2", "psnm_mu1", "track_px",
                                                               "cluster_E_GeV"])
    assert len(events) == 1000
    for key in ("number", "bit_t2", "psnm_mu1", "track_px", "cluster_E_GeV"):
        assert ak.all(ak.flatten(events[key], axis=None) == ak.flatten(tree[key], axis=None)), key


def test_memory_stays_flat_when_streaming(tmp_path, card):
    import tracemalloc

    ch, batches = _generated(card, n=3000, name="dark-photon-invisible", mass=1.0)
    write_hepmc(batches[:1] * 1, tmp_path / "small.hepmc3")   # 1000 events
    write_hepmc(batches, tmp_path / "large.hepmc3")           # 3000 events
    peaks = []
    for name in ("small", "large"):
        tracemalloc.start()
        for _ in open_events(tmp_path / f"{name}.hepmc3", card, chunk_size=250):
            pass
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.5 * peaks[0]  # three times the events, the same chunks in memory


@pytest.mark.parametrize("frame", ["c.m.", "lab"])
def test_lhe_file_written_by_pythia_reads_back_with_its_beams_and_frame(tmp_path, card, frame):
    """Pythia 8 writes e+e- -> mu+mu- itself (LHEF3FromPythia8): in the c.m. frame (eCM = sqrt(s)) the
    events are recognised as c.m. and boosted to SuperKEKB's lab; with SuperKEKB's beam energies along
    z (no crossing angle: LHE cannot state one) they are recognised as lab and kept as written."""
    import pythia8mc

    from belle2sim.generators.pythia_decays import pythia

    her, ler = card.beams.nominal_fourvectors()
    beams = (f"Beams:eCM = {card.beams.sqrt_s_GeV!r}",) if frame == "c.m." else (
        "Beams:frameType = 2", f"Beams:eA = {her[3]!r}", f"Beams:eB = {ler[3]!r}")
    p = pythia("Beams:idA = 11", "Beams:idB = -11", *beams, "PDF:lepton = off", "WeakSingleBoson:ffbar2gmZ = on",
               "23:onMode = off", "23:onIfAny = 13", "HadronLevel:all = off")
    path = tmp_path / "pythia.lhe"
    process, info = p.process, p.infoPython()  # the writer keeps pointers to both: keep them alive
    writer = pythia8mc.LHEF3FromPythia8(process, info)
    assert writer.openLHEF(str(path))
    writer.setInit()
    written = []
    for _ in range(200):
        assert p.next()
        writer.setEvent()
        written.append([(q.id(), q.px(), q.py(), q.pz(), q.e()) for q in p.process if q.isFinal()])
    writer.closeLHEF(True)

    source = open_events(path, card)
    batches = list(source)
    batch = batches[0]
    assert source.info.frame == frame and len(batch) == 200
    # head-on beams of SuperKEKB's energies: sqrt(s) = 2 sqrt(E- E+) (0.09 % above the crossing-angle value)
    expected = card.beams.sqrt_s_GeV if frame == "c.m." else 2 * np.sqrt(her[3] * ler[3])
    assert source.info.sqrt_s_GeV == pytest.approx(expected, rel=1e-6)
    ev = np.repeat(np.arange(len(batch)), np.diff(batch.offsets))
    final = batch.status == 1
    assert sorted(set(batch.pdg[final])) == [-13, 13] and np.all(np.bincount(ev[final]) == 2)
    total = card.beams.total_fourvector if frame == "c.m." else [0, 0, her[3] - ler[3], her[3] + ler[3]]
    for comp, expected in zip(("px", "py", "pz", "E"), total):
        np.testing.assert_allclose(np.bincount(ev[final], getattr(batch, comp)[final]), expected, atol=1e-6)
    if frame == "lab":  # kept as written (Pythia writes 8 significant digits)
        mu_minus = batch.pdg == 13
        np.testing.assert_allclose(batch.E[mu_minus], [next(q[4] for q in e if q[0] == 13) for e in written],
                                   rtol=2e-8)


def test_pythia_without_its_data_folder_is_an_error_saying_so(tmp_path, monkeypatch):
    """A pythia8mc whose xmldoc folder is not found (a --target install, say) refuses every setting;
    the error says why and how to mend it, not which setting came first."""
    from belle2sim.generators.pythia_decays import pythia

    monkeypatch.setenv("PYTHIA8DATA", str(tmp_path))  # (read by Pythia's constructor)
    with pytest.raises(RuntimeError, match="PYTHIA8DATA") as error:
        pythia("Beams:idA = 11")
    assert str(tmp_path) in str(error.value)
    monkeypatch.delenv("PYTHIA8DATA")
    assert pythia("ProcessLevel:all = off").settings.isFlag("Print:quiet")  # (found again)
