"""EventSource: file rows -> validated, lab-frame EventBatch chunks (see belle2sim/inputs)."""

import numpy as np

from belle2sim import pdgdata
from belle2sim.errors import InputFileError, UnknownParticleError
from belle2sim.events import STATUS_BEAM, STATUS_FINAL, EventBatch
from belle2sim.inputs import SourceInfo
from belle2sim.inputs.frames import classify_frame, to_lab



class EventSource:
    def __init__(self, path, fmt, reader, card, chunk_size, seed, max_events):
        self.path, self.card, self.chunk_size, self.seed, self.max_events = path, card, chunk_size, seed, max_events
        self.reader = reader
        self.info = SourceInfo(str(path), fmt)
        self._unit_weight = None  # the file's first non-zero |weight|: events weigh relative to it

    def __iter__(self):
        rows, first = [], 0
        for k, event in enumerate(self.reader(self.path, self.info)):
            if self.max_events is not None and k >= self.max_events:
                break
            rows.append(event)
            if len(rows) == self.chunk_size:
                yield self._batch(rows, first)
                first += len(rows)
                rows = []
        if rows:
            yield self._batch(rows, first)
        self.info.n_events = first + len(rows)

    def _batch(self, rows, first):
        counts = [len(r["pdg"]) for r in rows]
        cat = {f: np.concatenate([r[f] for r in rows]) for f in rows[0] if f != "weight"}
        n = len(rows)
        batch = EventBatch(pdg=cat["pdg"], px=cat["px"], py=cat["py"], pz=cat["pz"], E=cat["E"],
                           vx=cat["vx"], vy=cat["vy"], vz=cat["vz"], parent=cat["parent"], status=cat["status"],
                           offsets=np.concatenate([[0], np.cumsum(counts)]), weight=self._weights(rows, first),
                           number=np.arange(first, first + n))
        batch.validate(str(self.path))
        self._check_particles(batch)
        frame = classify_frame(batch, self.card, str(self.path))
        if self.info.frame is None:
            self.info.frame, self.info.sqrt_s_GeV = frame.name, frame.sqrt_s_GeV
            self.info.warnings.extend(frame.warnings)
        elif frame.name != self.info.frame:
            raise InputFileError(f"{self.path}: events from {first} are in the {frame.name} frame, earlier ones in "
                                 f"the {self.info.frame} frame")
        if frame.name == "c.m.":
            to_lab(batch, self.card)
        from belle2sim.inputs.decayer import decay_unstable

        batch = decay_unstable(batch, self.seed)  # pi0, eta, K0S, D... left undecayed by the generator
        if np.any((np.abs(batch.pdg) == 15) & (batch.status == STATUS_FINAL)):
            from belle2sim.generators import tau_decays

            batch = tau_decays.decay_taus(batch, self.seed)
        return batch

    def _weights(self, rows, first):
        """Event weights relative to the file's first non-zero one: a file of equal weights (unweighted
        generation, whatever its XWGTUP convention) gives weight 1 to every event, as belle2sim's own
        unweighted events; a weighted file keeps its ratios, which are all an efficiency needs."""
        weights = np.array([r.get("weight", 1.0) for r in rows], dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(weights))
        if len(bad):
            raise InputFileError(f"{self.path}: event {first + bad[0]}: event weight {weights[bad[0]]} is not finite")
        if self._unit_weight is None:
            nonzero = np.flatnonzero(weights)
            if len(nonzero) == 0:
                return weights  # (all zero so far: the next chunk sets the unit)
            self._unit_weight = abs(weights[nonzero[0]])
        return weights / self._unit_weight

    def _check_particles(self, batch):
        for pid in np.unique(batch.pdg[batch.status == STATUS_FINAL]):
            try:
                pdgdata.response_class(int(pid))
            except UnknownParticleError as exc:
                i = int(np.argmax(batch.pdg == pid))
                ev = int(np.searchsorted(batch.offsets, i, side="right") - 1)
                raise InputFileError(f"{self.path}: event {batch.number[ev]}: {exc}") from None
        if not np.any(batch.status == STATUS_BEAM):
            raise InputFileError(f"{self.path}: events {batch.number[0]}-{batch.number[-1]} have no beam particles "
                                 f"(HepMC status 4 / LHE incoming): the frame cannot be determined")
