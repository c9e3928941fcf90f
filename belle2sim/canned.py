"""Canned inputs: a few events of every kind the detector responds to, and zeroed detector output,
for compiling kernels (a first run's helper, a selection compiled ahead, warmup.py) without a real
sample. Only the arrays' types matter there, not the numbers. (Imports inside the functions:
warmup.py, which every run imports, stays light.)"""


def canned_events(n_events=6, displaced=True):
    """Identical events holding each response class of the detector: a photon, e+e-, mu+mu-,
    pi+pi- from a displaced vertex (from the beam spot with ``displaced`` False), K_L and a neutron
    (lab frame, GeV, cm)."""
    from belle2sim import pdgdata
    from belle2sim.events import STATUS_FINAL, EventBatch

    particles = ((22, 1.0, 0.4, 1.5), (11, 2.0, 0.1, 0.5), (-11, -2.0, -0.1, 0.2), (13, 1.5, -1.0, 1.0),
                 (-13, -1.5, 1.0, -0.5), (211, 0.8, 0.3, 0.4), (-211, -0.3, 0.8, 0.2), (130, 0.5, 0.5, 1.0),
                 (2112, -0.4, 0.2, 0.9))
    batch = EventBatch.empty(n_events, len(particles))
    for k, (pdg, px, py, pz) in enumerate(particles * n_events):
        batch.pdg[k], batch.px[k], batch.py[k], batch.pz[k] = pdg, px, py, pz
        m = pdgdata.mass_GeV(pdg)
        batch.E[k] = (px * px + py * py + pz * pz + m * m) ** 0.5
        batch.status[k] = STATUS_FINAL
        batch.parent[k] = -1
        if abs(pdg) == 211 and displaced:
            batch.vx[k], batch.vy[k] = 3.0, 2.0
    return batch


def empty_detector_output(batch):
    """(response, charge, deposits, tracks) of ``batch`` with every detector output array zeroed:
    the argument types of the kernels after the detector, for compiling them without running it.
    The momentum angles are zeros too: the kernels then run without the angles' kernel, which the
    main process compiles for its ECL at the same moment (a race both lost: each compiled it)."""
    import numpy as np

    from belle2sim import pdgdata
    from belle2sim.detector.ecl import EclDeposits
    from belle2sim.detector.tracking import Tracks

    n = batch.n_particles
    response, charge = pdgdata.classify(batch.pdg)
    deposits, tracks = EclDeposits(n), Tracks(n)
    deposits.momentum_theta_rad, deposits.momentum_phi_rad = np.zeros(n), np.zeros(n)
    deposits.momentum_pt_GeV, deposits.momentum_p_GeV = np.zeros(n), np.zeros(n)
    deposits.axial_superlayers = tracks.axial_superlayers = np.zeros(n, dtype=np.int8)
    for output in (deposits, tracks):
        for array in vars(output).values():
            array.fill(0)
    return response, charge, deposits, tracks


def select_canned(analysis, card, params, seed=1):
    """``analysis``'s selection on canned events with empty detector output: compiles (or loads) its
    kernels (a first run's main process while it waits, or a helper on a core to spare)."""
    from belle2sim.simulate import ChunkResult

    canned = canned_events()
    _, charge, deposits, tracks = empty_detector_output(canned)
    chunk = ChunkResult(charge, deposits, tracks, _vertex_inputs=(canned, charge, tracks, card, seed))
    return analysis.select(canned, chunk, card, params)
