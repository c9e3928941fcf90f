"""EventBatch: a chunk of events as flat structure-of-arrays.

Particles of all events sit in flat arrays (``pdg``, ``px``, ``py``, ``pz``, ``E`` in GeV;
production vertex ``vx``, ``vy``, ``vz`` in cm; ``parent`` = index of the mother *within its
event* or -1; ``status`` with the HepMC meaning: 1 final state, 2 decayed, 4 incoming beam, and 0 for
the products of a decay outside the detector).
``offsets`` (CSR, length n_events + 1) marks where each event's particles start. Each event
carries its ``number`` (the key of all its random numbers) and a ``weight``.

Kernels take the flat arrays; users can go to and from awkward arrays with ``vector``
behaviours (``to_awkward`` / ``from_awkward``).
"""

from dataclasses import dataclass, fields

import numpy as np

from belle2sim.errors import InputFileError

STATUS_NOT_PRODUCED = 0  # decay products of a particle that decayed outside the detector (propagation.py)
STATUS_FINAL = 1
STATUS_DECAYED = 2
STATUS_BEAM = 4

_PARTICLE_FIELDS = ("pdg", "px", "py", "pz", "E", "vx", "vy", "vz", "parent", "status")
_DTYPES = dict(pdg=np.int32, parent=np.int32, status=np.int8)
_FIELD_DTYPES = {f: np.dtype(_DTYPES.get(f, np.float64)) for f in _PARTICLE_FIELDS}
_unset = np.empty  # EventBatch.allocate(zeroed=False) (the tests fill these with garbage)


@dataclass
class EventBatch:
    pdg: np.ndarray
    px: np.ndarray
    py: np.ndarray
    pz: np.ndarray
    E: np.ndarray
    vx: np.ndarray
    vy: np.ndarray
    vz: np.ndarray
    parent: np.ndarray
    status: np.ndarray
    offsets: np.ndarray
    weight: np.ndarray
    number: np.ndarray

    def __post_init__(self):
        for f in _PARTICLE_FIELDS:
            setattr(self, f, np.ascontiguousarray(getattr(self, f), dtype=_DTYPES.get(f, np.float64)))
        self.offsets = np.ascontiguousarray(self.offsets, dtype=np.int64)
        self.weight = np.ascontiguousarray(self.weight, dtype=np.float64)
        self.number = np.ascontiguousarray(self.number, dtype=np.int64)
        n_particles = len(self.pdg)
        if any(len(getattr(self, f)) != n_particles for f in _PARTICLE_FIELDS):
            raise ValueError("EventBatch: particle arrays differ in length")
        if len(self.offsets) != len(self.number) + 1 or len(self.weight) != len(self.number):
            raise ValueError("EventBatch: offsets/weight/number do not match the number of events")
        if len(self.offsets) and (self.offsets[0] != 0 or self.offsets[-1] != n_particles):
            raise ValueError("EventBatch: offsets must start at 0 and end at the number of particles")

    @classmethod
    def empty(cls, n_events, particles_per_event, first_number=0, zeroed=True):
        """Allocate a batch with a fixed number of particles per event (for generators); see
        :meth:`allocate` for ``zeroed``."""
        return cls.allocate(np.arange(0, (n_events + 1) * particles_per_event, particles_per_event, dtype=np.int64),
                            np.arange(first_number, first_number + n_events, dtype=np.int64), zeroed)

    @classmethod
    def allocate(cls, offsets, number, zeroed=True):
        """Allocate a batch of events with these particle offsets and event numbers (weights 1).
        ``zeroed=False`` leaves the particle arrays unset: for a generator whose kernel writes every
        field of every slot (each one that asks for it is tested with arrays full of garbage,
        tests/test_events.py), it saves zeroing ~50 bytes per particle in this thread (a quarter of
        a single-photon job's time outside the parallel kernels)."""
        make = np.zeros if zeroed else _unset
        offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        number = np.ascontiguousarray(number, dtype=np.int64)
        if len(offsets) != len(number) + 1 or (len(offsets) and offsets[0] != 0):
            raise ValueError("EventBatch: offsets must start at 0 and have one more entry than the events")
        # the arrays are made here with the right types and lengths: the constructor's checks and
        # conversions (~100 us per chunk, under the GIL) are skipped
        batch = cls.__new__(cls)
        for f in _PARTICLE_FIELDS:
            setattr(batch, f, make(int(offsets[-1]), dtype=_FIELD_DTYPES[f]))
        batch.offsets, batch.weight, batch.number = offsets, np.ones(len(number)), number
        return batch

    def __len__(self):
        return len(self.number)

    @property
    def n_particles(self):
        return len(self.pdg)

    @property
    def event_index(self):
        """Index of the event each particle belongs to (flat, one per particle)."""
        return np.repeat(np.arange(len(self)), np.diff(self.offsets))

    def validate(self, source="events"):
        """Reject four-vectors that make no physical sense, naming event and particle."""
        mom = np.stack([self.px, self.py, self.pz, self.E, self.vx, self.vy, self.vz])
        bad = ~np.isfinite(mom).all(axis=0)
        if bad.any():
            i = int(np.argmax(bad))
            ev = int(np.searchsorted(self.offsets, i, side="right") - 1)
            raise InputFileError(
                f"{source}: event {self.number[ev]} particle {i - self.offsets[ev]} "
                f"(pdg {self.pdg[i]}) has a non-finite four-vector or vertex"
            )
        p2 = self.px**2 + self.py**2 + self.pz**2
        tachyon = (self.E**2 - p2) < -1e-6 * np.maximum(self.E**2, 1e-12)
        neg = self.E < 0
        for mask, what in ((neg, "negative energy"), (tachyon, "E^2 < p^2 (space-like four-momentum)")):
            if mask.any():
                i = int(np.argmax(mask))
                ev = int(np.searchsorted(self.offsets, i, side="right") - 1)
                raise InputFileError(
                    f"{source}: event {self.number[ev]} particle {i - self.offsets[ev]} "
                    f"(pdg {self.pdg[i]}) has {what}"
                )
        return self

    def to_awkward(self):
        """Jagged awkward array of particles with ``vector`` Momentum4D behaviour."""
        import awkward as ak
        import vector

        vector.register_awkward()
        counts = np.diff(self.offsets)
        flat = ak.zip(
            {f: getattr(self, f) for f in _PARTICLE_FIELDS},
            with_name="Momentum4D",
        )
        particles = ak.unflatten(flat, counts)
        return ak.zip({"particles": particles, "weight": self.weight, "number": self.number}, depth_limit=1)

    @classmethod
    def from_awkward(cls, events):
        """Inverse of :meth:`to_awkward` (fields as there; ``weight``/``number`` optional)."""
        import awkward as ak

        particles = events["particles"]
        counts = ak.to_numpy(ak.num(particles))
        offsets = np.concatenate([[0], np.cumsum(counts)])
        flat = ak.flatten(particles)
        arrays = {f: ak.to_numpy(flat[f]) for f in _PARTICLE_FIELDS}
        n = len(counts)
        fields_ = ak.fields(events)
        weight = ak.to_numpy(events["weight"]) if "weight" in fields_ else np.ones(n)
        number = ak.to_numpy(events["number"]) if "number" in fields_ else np.arange(n)
        return cls(**arrays, offsets=offsets, weight=weight, number=number)

    @classmethod
    def concatenate(cls, batches):
        """Join batches (event numbers are kept, offsets shifted)."""
        batches = list(batches)
        offsets = [np.zeros(1, dtype=np.int64)]
        shift = 0
        for b in batches:
            offsets.append(b.offsets[1:] + shift)
            shift += b.n_particles
        kw = {f.name: np.concatenate([getattr(b, f.name) for b in batches])
              for f in fields(cls) if f.name != "offsets"}
        return cls(**kw, offsets=np.concatenate(offsets))
