"""SuperKEKB beams: energies, energy spread, crossing angle, CM <-> lab, beam spot.

The HER (e-) travels towards +z tilted by ``her_angle_rad`` in the x-z plane; the LER (e+)
travels towards -z, its direction (-sin a, 0, -cos a) for ``ler_angle_rad`` = a (basf2
``beamparameters.py`` convention: angleHER = +41.5 mrad, angleLER = -41.5 mrad, 83 mrad full
crossing angle). Numbers live in the detector card's ``[beams]`` table.

Per event, each beam energy is drawn from a Gaussian with the card's spread and the vertex from
the Gaussian beam spot; generators build the event in that event's own CM frame. The trigger and
the offline selection use the *nominal* CM frame (fixed beam energies), as the real ones do.
"""

import math
from dataclasses import dataclass

import numpy as np

from belle2sim import pdgdata
from belle2sim._jit import inline
from belle2sim.kinematics import boost
from belle2sim.rng import normal

# Layout of the packed beam-parameter array the kernels take.
BEAM_E_HER, BEAM_E_LER = 0, 1
# the crossing angles as their sine and cosine, made once here (math: the C library's, as the
# kernels' np.sin and np.cos) instead of four calls per event: dark-photon generation 472 -> 446 ns
BEAM_SIN_HER, BEAM_COS_HER, BEAM_SIN_LER, BEAM_COS_LER = 2, 3, 4, 5
BEAM_SIGMA_E_HER, BEAM_SIGMA_E_LER = 6, 7
BEAM_SPOT_X, BEAM_SPOT_Y, BEAM_SPOT_Z = 8, 9, 10
BEAM_MASS_E = 11
N_BEAM_PARAMS = 12


@dataclass(frozen=True)
class Beams:
    her_energy_GeV: float
    ler_energy_GeV: float
    her_angle_rad: float
    ler_angle_rad: float
    her_energy_spread_GeV: float
    ler_energy_spread_GeV: float
    beamspot_sigma_x_cm: float
    beamspot_sigma_y_cm: float
    beamspot_sigma_z_cm: float

    @classmethod
    def from_card(cls, card):
        return cls(**{k: float(card["beams"][k]) for k in cls.__dataclass_fields__})

    def packed(self):
        """The float64 array the kernels take (layout: the BEAM_* indices)."""
        p = np.zeros(N_BEAM_PARAMS)
        p[BEAM_E_HER], p[BEAM_E_LER] = self.her_energy_GeV, self.ler_energy_GeV
        p[BEAM_SIGMA_E_HER], p[BEAM_SIGMA_E_LER] = self.her_energy_spread_GeV, self.ler_energy_spread_GeV
        p[BEAM_SPOT_X], p[BEAM_SPOT_Y], p[BEAM_SPOT_Z] = (
            self.beamspot_sigma_x_cm, self.beamspot_sigma_y_cm, self.beamspot_sigma_z_cm)
        p[BEAM_MASS_E] = pdgdata.mass_GeV(11)
        p[BEAM_SIN_HER], p[BEAM_COS_HER] = math.sin(self.her_angle_rad), math.cos(self.her_angle_rad)
        p[BEAM_SIN_LER], p[BEAM_COS_LER] = math.sin(self.ler_angle_rad), math.cos(self.ler_angle_rad)
        return p

    def nominal_fourvectors(self):
        """(e-, e+) four-vectors (px, py, pz, E) at the nominal energies, GeV."""
        b = self.packed()
        return beam_fourvectors(b[BEAM_E_HER], b[BEAM_E_LER], b)

    @property
    def total_fourvector(self):
        e, p = self.nominal_fourvectors()
        return tuple(a + c for a, c in zip(e, p))

    @property
    def sqrt_s_GeV(self):
        px, py, pz, E = self.total_fourvector
        return float(np.sqrt(E * E - px * px - py * py - pz * pz))

    @property
    def s_GeV2(self):
        return self.sqrt_s_GeV**2

    @property
    def boost_vector(self):
        """Velocity (beta) of the nominal CM frame in the lab."""
        px, py, pz, E = self.total_fourvector
        return np.array([px / E, py / E, pz / E])


@inline
def beam_fourvectors(e_her, e_ler, beam):
    """Four-vectors of the e- (HER) and e+ (LER) beams for given energies."""
    m = beam[BEAM_MASS_E]
    p_her = np.sqrt(e_her * e_her - m * m)
    p_ler = np.sqrt(e_ler * e_ler - m * m)
    her = (p_her * beam[BEAM_SIN_HER], 0.0, p_her * beam[BEAM_COS_HER], e_her)
    ler = (-p_ler * beam[BEAM_SIN_LER], 0.0, -p_ler * beam[BEAM_COS_LER], e_ler)
    return her, ler


@inline
def draw_beams(key, beam):
    """Per-event beam energies (Gaussian spread) and vertex (Gaussian beam spot).

    Uses normal draws 0..4 of ``key`` (an rng.STAGE_BEAM key). Returns (her, ler, vertex).
    """
    e_her = beam[BEAM_E_HER] + beam[BEAM_SIGMA_E_HER] * normal(key, 0)
    e_ler = beam[BEAM_E_LER] + beam[BEAM_SIGMA_E_LER] * normal(key, 1)
    her, ler = beam_fourvectors(e_her, e_ler, beam)
    vertex = (beam[BEAM_SPOT_X] * normal(key, 2),
              beam[BEAM_SPOT_Y] * normal(key, 3),
              beam[BEAM_SPOT_Z] * normal(key, 4))
    return her, ler, vertex


@inline
def event_frame(key, beam):
    """One event's initial state: (her, ler, vertex, sqrt_s, boost, axis).

    ``boost`` = velocity of the event's CM frame in the lab (boost(p, *boost) takes a CM
    four-vector to the lab), ``axis`` = unit direction of the e- beam in that CM frame (the polar
    axis of every process). Uses draws of ``key`` (an rng.STAGE_BEAM key) through draw_beams.
    """
    her, ler, vtx = draw_beams(key, beam)
    t_px, t_py, t_pz, t_e = her[0] + ler[0], her[1] + ler[1], her[2] + ler[2], her[3] + ler[3]
    sqrt_s = np.sqrt(t_e * t_e - t_px * t_px - t_py * t_py - t_pz * t_pz)
    bx, by, bz = t_px / t_e, t_py / t_e, t_pz / t_e
    ex, ey, ez, _ = boost(her[0], her[1], her[2], her[3], -bx, -by, -bz)
    n = np.sqrt(ex * ex + ey * ey + ez * ez)
    return her, ler, vtx, sqrt_s, (bx, by, bz), (ex / n, ey / n, ez / n)
