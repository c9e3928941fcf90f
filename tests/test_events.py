"""EventBatch: awkward round trip and rejection of unphysical input."""

import numpy as np
import pytest

from belle2sim.errors import InputFileError
from belle2sim.events import EventBatch
from conftest import make_batch, massless


def test_awkward_round_trip_with_vector_behaviour(card):
    from belle2sim.generators import dark_photon

    b = dark_photon.generate(1, 100, 50, 2.0, 5, 175, card.beams)
    arr = b.to_awkward()
    # vector behaviour: invariant mass of the A' is the generated mass
    import awkward as ak

    aprime = arr.particles[arr.particles.pdg == dark_photon.PDG_DARK_PHOTON]
    np.testing.assert_allclose(ak.to_numpy(ak.flatten(aprime.mass)), 2.0, rtol=1e-6)
    back = EventBatch.from_awkward(arr)
    for f in ("pdg", "px", "E", "vz", "status", "offsets", "number"):
        np.testing.assert_array_equal(getattr(back, f), getattr(b, f))


def test_nan_four_vector_is_named():
    b = make_batch([[massless(22, 1.0, 1.0)], [massless(22, 1.0, 1.0), (22, np.nan, 0, 0, 1)]], first_number=40)
    with pytest.raises(InputFileError, match=r"event 41 particle 1 \(pdg 22\).*non-finite"):
        b.validate()


def test_spacelike_and_negative_energy_rejected():
    with pytest.raises(InputFileError, match="space-like"):
        make_batch([[(22, 0, 0, 2.0, 1.0)]]).validate()
    with pytest.raises(InputFileError, match="negative energy"):
        make_batch([[(22, 0, 0, 0, -1.0)]]).validate()


def test_concatenate_keeps_numbers(card):
    from belle2sim.generators import dark_photon

    a = dark_photon.generate(1, 0, 10, 2.0, 5, 175, card.beams)
    b = dark_photon.generate(1, 10, 5, 2.0, 5, 175, card.beams)
    c = EventBatch.concatenate([a, b])
    assert len(c) == 15 and list(c.number) == list(range(15))
    np.testing.assert_array_equal(c.px, dark_photon.generate(1, 0, 15, 2.0, 5, 175, card.beams).px)


def test_unknown_pdg_id_is_named(card, menu):
    from belle2sim.errors import UnknownParticleError
    from belle2sim.simulate import simulate_chunk

    batch = make_batch([[massless(22, 1.0, 1.0)], [(123456789, 0, 0, 1, 1)]])
    with pytest.raises(UnknownParticleError, match="PDG id 123456789"):
        simulate_chunk(batch, card, menu, 1)


def test_new_particles_are_invisible_and_known():
    from belle2sim import pdgdata

    response, charge = pdgdata.classify(np.array([4900022, 4900023, 9000005, 12, 22, 13, 211, 130]))
    assert list(response) == [pdgdata.INVISIBLE] * 4 + [pdgdata.PHOTON, pdgdata.MUON, pdgdata.CHARGED_HADRON,
                                                         pdgdata.NEUTRAL_HADRON]
    assert list(charge) == [0, 0, 0, 0, 0, -1, 1, 0]


def test_classify_agrees_with_the_tables_on_both_paths():
    """Ids below |1024| are found through the dense index, the others by binary search; a table
    that grows between calls (new ids in both ranges) answers as the per-id functions do."""
    from belle2sim import pdgdata

    rng = np.random.default_rng(3)
    first = np.array([22, 11, -11, 13, -13, 211, -211, 321, -321, 130, 310, 2212, -2212, 2112, 12, -14])
    second = np.array([111, 221, -411, 421, 511, -521, 3122, -3122, 1000022, 4900022, 16, -213])
    for ids in (first, np.concatenate([first, second])):
        pdg = rng.choice(ids, size=5000)
        for dtype in (np.int32, np.int64):
            response, charge = pdgdata.classify(pdg.astype(dtype))
            assert list(response) == [pdgdata.response_class(int(p)) for p in pdg]
            assert list(charge) == [pdgdata.charge(int(p)) for p in pdg]


def _garbage(n, dtype=np.float64):
    """What np.empty may hand back: NaN in every float, 77 in every integer."""
    out = np.empty(n, dtype=dtype)
    out.fill(np.nan if np.dtype(dtype).kind == "f" else 77)
    return out


def _generated_twice(monkeypatch, generate):
    """The batch of ``generate()`` on zeroed arrays, and again on arrays full of garbage."""
    from belle2sim import events

    monkeypatch.setattr(events, "_unset", np.zeros)
    clean = generate()
    monkeypatch.setattr(events, "_unset", _garbage)
    return clean, generate()


# every generator that asks EventBatch.empty(zeroed=False), in each of its layouts (ISR photon or
# not, the boson invisible or decayed, tau pairs to electrons or muons)
WRITE_EVERY_SLOT = [("dark-photon-invisible", {"isr": 0}), ("dark-photon-invisible", {}),
                    ("zprime-invisible", {"isr": 0}), ("zprime-mumu", {}), ("alp-tautau", {}), ("zprime-tautau", {}),
                    ("alp-photons", {}), ("dark-higgs-visible", {}), ("dark-higgs-invisible", {}), ("idm-dark-higgs", {}),
                    ("tau-to-lepton-alpha", {}), ("tau-to-lepton-alpha", {"lepton_pdg": 13}),
                    ("b-to-k-scalar", {}), ("b-to-k-scalar", {"decay_pdg": 211, "mode": 1}), ("b-to-k-alp", {})]


@pytest.mark.parametrize("channel,overrides", WRITE_EVERY_SLOT)
def test_generators_with_unset_arrays_write_every_slot(channel, overrides, card, monkeypatch):
    """A generator that takes its particle arrays unset (np.empty) writes every field of every
    particle slot: its events are the same whether the arrays held zeros or garbage."""
    from belle2sim.channels import get
    from belle2sim.events import _PARTICLE_FIELDS

    ch = get(channel)
    params = ch.resolve_parameters({ch.scan_parameter: ch.default_scan[1], **overrides}, card)
    clean, dirty = _generated_twice(monkeypatch, lambda: ch.generate(5, 100, 1500, params, card))
    for field in _PARTICLE_FIELDS:
        np.testing.assert_array_equal(getattr(dirty, field), getattr(clean, field), err_msg=field)


@pytest.mark.parametrize("process", ["mumu", "tautau", "gammagamma", "bhabha"])
def test_qed_generator_writes_every_slot(process, card, monkeypatch):
    from belle2sim.events import _PARTICLE_FIELDS
    from belle2sim.generators import qed

    clean, dirty = _generated_twice(monkeypatch, lambda: qed.generate(5, 100, 1500, card.beams, process, 10, 170))
    for field in _PARTICLE_FIELDS:
        np.testing.assert_array_equal(getattr(dirty, field), getattr(clean, field), err_msg=field)


def test_allocated_batches_have_the_constructors_types_and_refuse_bad_offsets():
    """EventBatch.allocate makes its arrays itself and skips the constructor's conversions: they
    must be what the constructor would make (types, lengths, unit weights), and offsets that do
    not fit the events are still an error."""
    import pytest

    from belle2sim.events import EventBatch

    made = EventBatch.empty(4, 3, first_number=10, zeroed=True)
    built = EventBatch(**{f: getattr(made, f) for f in ("pdg", "px", "py", "pz", "E", "vx", "vy", "vz", "parent",
                                                      "status", "offsets", "weight", "number")})
    for f, value in vars(built).items():
        assert getattr(made, f).dtype == value.dtype and getattr(made, f).shape == value.shape, f
    assert list(made.offsets) == [0, 3, 6, 9, 12] and list(made.number) == [10, 11, 12, 13]
    assert (made.weight == 1.0).all() and made.n_particles == 12 and len(made) == 4
    with pytest.raises(ValueError, match="offsets"):
        EventBatch.allocate(np.array([1, 3, 5]), np.arange(2))
    with pytest.raises(ValueError, match="offsets"):
        EventBatch.allocate(np.array([0, 3]), np.arange(2))
