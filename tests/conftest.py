import numpy as np
import pytest

from belle2sim._compile_overheads import trim_compile_overheads
from belle2sim.detector.card import load_card
from belle2sim.events import EventBatch
from belle2sim.trigger.menu import load_menu

trim_compile_overheads()  # (as the command line: the suite compiles the same kernels faster)


@pytest.fixture(scope="session")
def card():
    return load_card()


@pytest.fixture(scope="session")
def menu():
    return load_menu()


def make_batch(events, first_number=0):
    """EventBatch from a list of events, each a list of (pdg, px, py, pz, E[, vx, vy, vz])."""
    rows = [p for ev in events for p in ev]
    counts = [len(ev) for ev in events]
    cols = np.array([list(r) + [0.0] * (8 - len(r)) for r in rows], dtype=float).reshape(-1, 8)
    return EventBatch(
        pdg=cols[:, 0].astype(np.int32), px=cols[:, 1], py=cols[:, 2], pz=cols[:, 3], E=cols[:, 4],
        vx=cols[:, 5], vy=cols[:, 6], vz=cols[:, 7],
        parent=-np.ones(len(rows), dtype=np.int32), status=np.ones(len(rows), dtype=np.int8),
        offsets=np.concatenate([[0], np.cumsum(counts)]), weight=np.ones(len(events)),
        number=np.arange(first_number, first_number + len(events)),
    )


def massless(pdg, energy, theta_rad, phi_rad=0.0):
    st = np.sin(theta_rad)
    return (pdg, energy * st * np.cos(phi_rad), energy * st * np.sin(phi_rad), energy * np.cos(theta_rad), energy)


@pytest.fixture(scope="session")
def perfect_card(card):
    """The shipped card with every track found and every muon identified (for hand-built events
    whose outcome must not depend on a random finding or ID decision)."""
    import copy

    from belle2sim.detector.card import DetectorCard

    doc = copy.deepcopy(card.doc)
    doc["tracking"]["finding_efficiency"] = 1.0
    doc["klm"]["muon_efficiency"] = 1.0
    return DetectorCard(path=card.path, sha256="perfect", doc=doc)


def particle(pdg, p, theta_deg, phi_deg=10.0, vz=0.0):
    """(pdg, px, py, pz, E, vx, vy, vz) of a particle of momentum p (GeV) at polar / azimuthal angles
    in degrees, with its PDG mass (photons massless), produced at z = vz (cm) on the axis."""
    from belle2sim import pdgdata

    m = pdgdata.mass_GeV(abs(pdg)) if pdg != 22 else 0.0
    t, f = np.radians(theta_deg), np.radians(phi_deg)
    return (pdg, p * np.sin(t) * np.cos(f), p * np.sin(t) * np.sin(f), p * np.cos(t), np.hypot(p, m), 0.0, 0.0, vz)


def stored_count_from_axis(vz, px, py, pz, field_T, layers):
    """What entries.py stores for a track from the beam axis: the axial superlayers crossed from the
    inside out (count_from_axis), where cdc.crossing_settled settles every superlayer up to the first
    one not crossed; -1 where it leaves one to the arcsine (the CDC trigger counts those)."""
    from belle2sim.detector.cdc import crossing_settled
    from belle2sim.detector.helix import curvature_radius_cm

    pt = np.sqrt(px * px + py * py)
    two_r = 2.0 * curvature_radius_cm.py_func(pt, field_T)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_two_r, slope = np.float64(1.0) / two_r, np.float64(pz) / pt
    n = 0
    for r, z_lo, z_hi in layers:
        settled = crossing_settled.py_func(vz, r, z_lo, z_hi, two_r, inv_two_r, slope)
        if settled < 0:
            return -1
        if settled == 0:
            return n
        n += 1
    return n


def process_state(pid):
    """A process's state letter from /proc (Z: a zombie, ended), or "gone"."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
