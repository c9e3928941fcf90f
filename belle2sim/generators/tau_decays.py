"""Standard Model tau decays from Pythia 8, through a bank of rest-frame decays.

Pythia's tau decays are the reference (all modes, with their matrix elements), but a full
``Pythia.next()`` per tau is slow. So a bank of tau- decays at rest is made once (``pythia8mc``,
100 taus per Pythia event, ~0.3 ms per tau here) and kept on disk; each tau of an event then
takes a bank entry chosen by (seed, event number), rotated by a random rotation and boosted to
the tau's momentum. tau+ decays are the charge conjugates (antiparticle ids from ``particle``, momenta
reflected). Taus are treated as unpolarised: spin correlations between the two taus are lost.

Particles with c tau > 1 cm (K_S, K_L, Lambda, ...) are left undecayed by Pythia
(``ParticleDecays:limitTau0``); pi0 decay to two photons.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from belle2sim import rng
from belle2sim._data_cache import cached_arrays, pythia_version
from belle2sim._jit import inline, range_kernel
from belle2sim.events import STATUS_DECAYED, STATUS_FINAL, EventBatch
from belle2sim.kinematics import boost

BANK_VERSION = 2
DEFAULT_BANK_SIZE = 20_000
DEFAULT_BANK_SEED = 20261125
TAUS_PER_PYTHIA_EVENT = 100
# the default bank, made ahead for the Pythia version pyproject.toml pins and installed with
# belle2sim (2.3 MB): a tau channel's first run skipped ~6 s of Pythia (zprime-tautau 19.8-21.1 ->
# 16.7-17.7 s). Another Pythia version, size or seed makes its own bank on first use, as before.
# Remake it with ``python -m belle2sim.generators.tau_decays`` after a change of the pin.
SHIPPED_BANKS = Path(__file__).parent / "data"


@dataclass
class TauBank:
    pdg: np.ndarray
    p4: np.ndarray       # (n, 4): px, py, pz, E in the tau rest frame
    offsets: np.ndarray  # CSR over decays
    tau_mass_GeV: float  # Pythia's tau mass (decays are rescaled to each tau's own mass)

    @property
    def pdg_conjugate(self):
        """Charge-conjugate ids (self-conjugate states such as gamma, pi0, K_S keep theirs)."""
        if not hasattr(self, "_conj"):
            from particle import Particle

            table = {int(p): int(Particle.from_pdgid(int(p)).invert().pdgid) for p in np.unique(self.pdg)}
            self._conj = np.array([table[int(p)] for p in self.pdg], dtype=np.int32)
        return self._conj

    def __len__(self):
        return len(self.offsets) - 1


def make_bank(n=DEFAULT_BANK_SIZE, seed=DEFAULT_BANK_SEED, progress=None):
    """Decay n tau- at rest with Pythia 8 and collect their final-state daughters."""
    from belle2sim.generators.pythia_decays import pythia

    py = pythia("ProcessLevel:all = off", "ParticleDecays:limitTau0 = on", "ParticleDecays:tau0Max = 10.",
                "Random:setSeed = on", f"Random:seed = {seed % 900_000_000}")
    m_tau = py.particleData.m0(15)
    pdg, p4, counts = [], [], []
    done = 0
    while done < n:
        k = min(TAUS_PER_PYTHIA_EVENT, n - done)
        py.event.reset()
        for _ in range(k):
            py.event.append(15, 1, 0, 0, 0.0, 0.0, 0.0, m_tau, m_tau)
        if not py.next():
            continue
        ev = py.event
        per_tau = [[] for _ in range(k)]
        for i in range(ev.size()):
            prt = ev[i]
            if not prt.isFinal():
                continue
            top = i
            while top > k:
                top = ev[top].mother1()
            if 1 <= top <= k:
                per_tau[top - 1].append((prt.id(), prt.px(), prt.py(), prt.pz(), prt.e()))
        for daughters in per_tau:
            counts.append(len(daughters))
            for d in daughters:
                pdg.append(d[0])
                p4.append(d[1:])
        done += k
        if progress:
            progress(k)
    return TauBank(np.array(pdg, dtype=np.int32), np.array(p4, dtype=np.float64).reshape(-1, 4),
                   np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), float(m_tau))


_LOADED = {}  # (n, seed) -> TauBank: read once per process, not once per chunk (with its conjugate ids)
_FIELDS = ("pdg", "p4", "offsets", "tau_mass_GeV")


def bank_name(n=DEFAULT_BANK_SIZE, seed=DEFAULT_BANK_SEED):
    """The bank's file name (without .npz): its version, size, seed and the installed Pythia's version."""
    return f"tau_bank_v{BANK_VERSION}_n{n}_seed{seed}_pythia{pythia_version()}"


def _bank_arrays(n, seed):
    bank = make_bank(n, seed)
    return {"pdg": bank.pdg, "p4": bank.p4, "offsets": bank.offsets, "tau_mass_GeV": bank.tau_mass_GeV}


def load_bank(n=DEFAULT_BANK_SIZE, seed=DEFAULT_BANK_SEED):
    """The tau bank: the one installed with belle2sim (SHIPPED_BANKS), else from the disk cache
    (belle2sim/_data_cache.py), or made and cached on first use."""
    if (n, seed) not in _LOADED:
        f = cached_arrays(bank_name(n, seed), _FIELDS, lambda: _bank_arrays(n, seed), shipped=SHIPPED_BANKS)
        bank = TauBank(f["pdg"], f["p4"], f["offsets"], float(f["tau_mass_GeV"]))
        bank.pdg_conjugate  # (made here, once)
        _LOADED[(n, seed)] = bank
    return _LOADED[(n, seed)]


@inline
def _random_rotation(key, c):
    """A uniformly random rotation matrix (random unit quaternion from 3 uniforms), as its nine
    entries row by row (a tuple, not an array: no allocation per tau)."""
    u1, u2, u3 = rng.uniform(key, c), rng.uniform(key, c + 1), rng.uniform(key, c + 2)
    a, b = np.sqrt(1 - u1), np.sqrt(u1)
    qw, qx = a * np.sin(2 * np.pi * u2), a * np.cos(2 * np.pi * u2)
    qy, qz = b * np.sin(2 * np.pi * u3), b * np.cos(2 * np.pi * u3)
    return (1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qz * qw), 2 * (qx * qz + qy * qw),
            2 * (qx * qy + qz * qw), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qx * qw),
            2 * (qx * qz - qy * qw), 2 * (qy * qz + qx * qw), 1 - 2 * (qx * qx + qy * qy))


@range_kernel("numbers")
def _count(begin, end, seed, numbers, offsets, pdg, status, bank_offsets, choice, new_counts):
    n_bank = bank_offsets.shape[0] - 1
    for i in range(begin, end):
        key = rng.event_key(seed, numbers[i], rng.STAGE_DECAY + 50)
        c = offsets[i + 1] - offsets[i]
        for j in range(offsets[i], offsets[i + 1]):
            choice[j] = -1
            if status[j] == STATUS_FINAL and (pdg[j] == 15 or pdg[j] == -15):
                k = min(int(rng.uniform(key, 4 * (j - offsets[i])) * n_bank), n_bank - 1)
                choice[j] = k
                c += bank_offsets[k + 1] - bank_offsets[k]
        new_counts[i] = c


@range_kernel("numbers")
def _fill(begin, end, seed, numbers, offsets, new_offsets, choice, src, dst, bank_pdg, bank_conj, bank_p4,
          bank_offsets, bank_mass):
    s_pdg, s_px, s_py, s_pz, s_E, s_vx, s_vy, s_vz, s_parent, s_status = src
    d_pdg, d_px, d_py, d_pz, d_E, d_vx, d_vy, d_vz, d_parent, d_status = dst
    for i in range(begin, end):
        key = rng.event_key(seed, numbers[i], rng.STAGE_DECAY + 50)
        o = new_offsets[i]
        n_old = offsets[i + 1] - offsets[i]
        w = o + n_old
        for j in range(offsets[i], offsets[i + 1]):
            t = o + j - offsets[i]
            d_pdg[t], d_px[t], d_py[t], d_pz[t], d_E[t] = s_pdg[j], s_px[j], s_py[j], s_pz[j], s_E[j]
            d_vx[t], d_vy[t], d_vz[t], d_parent[t], d_status[t] = s_vx[j], s_vy[j], s_vz[j], s_parent[j], s_status[j]
            k = choice[j]
            if k < 0:
                continue
            d_status[t] = STATUS_DECAYED
            sign = 1 if s_pdg[j] == 15 else -1
            rot = _random_rotation(key, 4 * (j - offsets[i]) + 1)
            bx, by, bz = s_px[j] / s_E[j], s_py[j] / s_E[j], s_pz[j] / s_E[j]
            m = np.sqrt(max(s_E[j] ** 2 - s_px[j] ** 2 - s_py[j] ** 2 - s_pz[j] ** 2, 0.0))
            f = m / bank_mass  # rescale to this tau's mass: exact four-momentum conservation
            for b in range(bank_offsets[k], bank_offsets[k + 1]):
                qx, qy, qz = sign * f * bank_p4[b, 0], sign * f * bank_p4[b, 1], sign * f * bank_p4[b, 2]
                rx = rot[0] * qx + rot[1] * qy + rot[2] * qz
                ry = rot[3] * qx + rot[4] * qy + rot[5] * qz
                rz = rot[6] * qx + rot[7] * qy + rot[8] * qz
                lab = boost(rx, ry, rz, f * bank_p4[b, 3], bx, by, bz)
                d_pdg[w] = bank_pdg[b] if sign > 0 else bank_conj[b]
                d_px[w], d_py[w], d_pz[w], d_E[w] = lab[0], lab[1], lab[2], lab[3]
                d_vx[w], d_vy[w], d_vz[w] = s_vx[j], s_vy[j], s_vz[j]
                d_parent[w] = j - offsets[i]
                d_status[w] = STATUS_FINAL
                w += 1


def decay_taus(batch, seed, bank=None):
    """A new EventBatch in which every final-state tau has decayed (daughters appended)."""
    bank = bank or load_bank()
    choice = np.empty(batch.n_particles, dtype=np.int64)
    counts = np.empty(len(batch), dtype=np.int64)
    _count(np.uint64(seed), batch.number, batch.offsets, batch.pdg, batch.status, bank.offsets, choice, counts)
    new_offsets = np.concatenate([[0], np.cumsum(counts)])
    n = int(new_offsets[-1])
    fields = ("pdg", "px", "py", "pz", "E", "vx", "vy", "vz", "parent", "status")
    arrays = {f: np.empty(n, dtype=getattr(batch, f).dtype) for f in fields}
    _fill(np.uint64(seed), batch.number, batch.offsets, new_offsets, choice,
          tuple(getattr(batch, f) for f in fields), tuple(arrays[f] for f in fields),
          bank.pdg, bank.pdg_conjugate, bank.p4, bank.offsets, bank.tau_mass_GeV)
    return EventBatch(**arrays, offsets=new_offsets, weight=batch.weight.copy(), number=batch.number.copy())


if __name__ == "__main__":  # python -m belle2sim.generators.tau_decays: the installed default bank, made again
    SHIPPED_BANKS.mkdir(exist_ok=True)
    target = SHIPPED_BANKS / f"{bank_name()}.npz"
    for old_bank in SHIPPED_BANKS.glob("tau_bank_*.npz"):
        old_bank.unlink()
    np.savez_compressed(target, **_bank_arrays(DEFAULT_BANK_SIZE, DEFAULT_BANK_SEED))
    print(f"wrote {target}")
