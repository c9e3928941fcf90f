"""Standard Model samples from Pythia 8 (pythia8mc) at SuperKEKB.

Beams from the card: e- and e+ momenta with the crossing angle (``Beams:frameType = 3``) and the
beam spot (``Beams:allowVertexSpread``); the beam-energy spread (5 and 2.4 MeV) is left out:
with ``Beams:allowMomentumSpread`` Pythia 8.317's cross-section estimate for this process halves
(1.41 vs 2.66 nb, same events otherwise), per-event beam energies (``Beams:allowVariableEnergy`` with
``setKinematics``) are refused outside soft-QCD processes ("variable energy only works for softQCD
processes"), and a spread of 0.05 % does not move a trigger rate;
initial-state radiation through Pythia's lepton PDF (on by default for lepton beams). Processes:

* ``qqbar``: e+e- -> gamma*/Z -> q qbar, q = u d s c (``WeakSingleBoson:ffbar2gmZ``), hadronised
  and decayed by Pythia (K0S and Lambda decay in flight at Pythia's production vertices);
* ``mumu-pythia``, ``tautau-pythia``: the same process with Z -> mu mu or tau tau (cross-checks of
  the built-in ``mumu`` and ``tautau``; tests/test_rates.py compares the cross sections). The
  default tau pairs are the built-in generator with the Pythia tau-decay bank: Pythia's own
  e+e- -> tau tau runs at ~9 ms per event here (its tau-decay spin correlations), 100 times q qbar.
* ``twophoton-ee-pythia``, ``twophoton-mumu-pythia``, ``twophoton-qqbar-pythia``: e+e- -> e+e- X
  through Pythia's photon fluxes from the lepton beams (``PDF:lepton2gamma``, direct photons,
  ``PhotonCollision:gmgm2ee / gmgm2mumu / gmgm2qqbar``, photon virtualities sampled up to
  ``Photon:Q2max`` = 1 GeV^2). Pythia declares ``Photon:Wmin`` >= 10 GeV and cuts t-channel
  processes at ``PhaseSpace:pTHatMinDiverge`` >= 1 GeV: at sqrt(s) = 10.58 GeV that would leave
  nothing, so both are forced below their range (Settings::forceParm) to W >= 2 sqrt(pT-hat-min^2 +
  m_l^2) (leptons: the kinematic bound; 2 GeV for quark pairs, where perturbative gamma gamma ->
  q qbar and string hadronisation can hold) and pT-hat >= 0.1 GeV (Iwasaki's track cut). Outside
  Pythia's validated range: the lepton pairs are checked against the built-in equivalent-photon
  generator (generators/two_photon.py, same flux, exact Breit-Wheeler angles; within 1 %,
  tests/test_two_photon.py), the quark pairs are a rough stand-in for gamma gamma -> hadrons (no
  resonances, no resolved photons, nothing below W = 2 GeV).

Each event's random numbers are Pythia's generator re-seeded from (seed, event number), so a
sample does not depend on how it is split into chunks. The cross section is Pythia's own estimate
(sigmaGen) from the events made.
"""

import numpy as np

from belle2sim import pdgdata, rng
from belle2sim.events import STATUS_BEAM, STATUS_FINAL, EventBatch
from belle2sim.generators.two_photon import MIN_PT_GeV

PROCESSES = {"qqbar": "1 2 3 4", "mumu-pythia": "13", "tautau-pythia": "15",
             "twophoton-ee-pythia": "gmgm2ee", "twophoton-mumu-pythia": "gmgm2mumu",
             "twophoton-qqbar-pythia": "gmgm2qqbar"}
TWO_PHOTON_PT_HAT_MIN_GeV = MIN_PT_GeV  # Iwasaki's track cut, as the built-in generator's
_SEED_MAX = 900_000_000


def _process_settings(process):
    what = PROCESSES[process]
    if what.startswith("gmgm2"):
        return ("PDF:lepton2gamma = on", "Photon:ProcessType = 4", f"PhotonCollision:{what} = on",
                f"PhaseSpace:pTHatMin = {TWO_PHOTON_PT_HAT_MIN_GeV}")
    return ("WeakSingleBoson:ffbar2gmZ = on", "23:onMode = off", f"23:onIfAny = {what}")


def _forced(process):
    """Pythia parameters set below their declared range (module docstring says why)."""
    what = PROCESSES[process]
    if not what.startswith("gmgm2"):
        return None
    # the kinematic bound of two leptons with pT >= pT-hat-min (lower W cannot pass the cut, and
    # Pythia's phase-space maximum goes wrong if asked to cover it); 2 GeV for quark pairs
    lepton = {"gmgm2ee": 11, "gmgm2mumu": 13}.get(what)
    w_min = 2.0 * np.hypot(TWO_PHOTON_PT_HAT_MIN_GeV, pdgdata.mass_GeV(lepton)) if lepton else 2.0
    return {"Photon:Wmin": w_min, "PhaseSpace:mHatMin": w_min,
            "PhaseSpace:pTHatMinDiverge": TWO_PHOTON_PT_HAT_MIN_GeV}


class PythiaSample:
    def __init__(self, process, card, extra_settings=()):
        """``extra_settings``: more Pythia settings (e.g. ``HadronLevel:all = off`` for a cross
        section alone)."""
        from belle2sim.generators.pythia_decays import pythia

        if process not in PROCESSES:
            raise ValueError(f"unknown Pythia process {process!r} (known: {', '.join(PROCESSES)})")
        her, ler = card.beams.nominal_fourvectors()
        b = card.beams
        p = pythia("Beams:idA = 11", "Beams:idB = -11", "Beams:frameType = 3",
                   f"Beams:pxA = {her[0]!r}", f"Beams:pyA = {her[1]!r}", f"Beams:pzA = {her[2]!r}",
                   f"Beams:pxB = {ler[0]!r}", f"Beams:pyB = {ler[1]!r}", f"Beams:pzB = {ler[2]!r}",
                   "Beams:allowVertexSpread = on", f"Beams:sigmaVertexX = {10 * b.beamspot_sigma_x_cm!r}",
                   f"Beams:sigmaVertexY = {10 * b.beamspot_sigma_y_cm!r}",
                   f"Beams:sigmaVertexZ = {10 * b.beamspot_sigma_z_cm!r}",
                   *_process_settings(process), *extra_settings, "Random:setSeed = on", "Random:seed = 1",
                   forced=_forced(process))
        self.pythia, self.process = p, process

    def generate(self, seed, first, n):
        """EventBatch of events first..first+n-1 (lab frame): beams (status 4) and final state."""
        p = self.pythia
        rows = []  # (pdg, px, py, pz, E, x, y, z [mm], status) per kept particle
        counts = []
        for number in range(first, first + n):
            key = rng.event_key(np.uint64(seed), number, rng.STAGE_GENERATOR)
            p.rndm.init(1 + int(key % np.uint64(_SEED_MAX)))
            while not p.next():
                pass
            k0 = len(rows)
            # the record's entries 1 and 2 are the incoming beams (status -12), then the final state
            # in record order; one Python call per quantity is the cost here, so as few as possible
            for part in p.event:
                if part.isFinal():
                    rows.append((part.id(), part.px(), part.py(), part.pz(), part.e(),
                                 part.xProd(), part.yProd(), part.zProd(), STATUS_FINAL))
                elif part.status() == -12:
                    rows.append((part.id(), part.px(), part.py(), part.pz(), part.e(),
                                 part.xProd(), part.yProd(), part.zProd(), STATUS_BEAM))
            counts.append(len(rows) - k0)
        table = np.array(rows, dtype=np.float64).reshape(-1, 9)
        m = len(table)
        return EventBatch(pdg=table[:, 0].astype(np.int64), px=table[:, 1].copy(), py=table[:, 2].copy(),
                          pz=table[:, 3].copy(), E=table[:, 4].copy(), vx=0.1 * table[:, 5], vy=0.1 * table[:, 6],
                          vz=0.1 * table[:, 7], status=table[:, 8].astype(np.int64),
                          parent=-np.ones(m, dtype=np.int32), offsets=np.concatenate([[0], np.cumsum(counts)]),
                          weight=np.ones(n), number=np.arange(first, first + n))

    def cross_section_fb(self):
        return 1e12 * self.pythia.infoPython().sigmaGen()  # mb -> fb
