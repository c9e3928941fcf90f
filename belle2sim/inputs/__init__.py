"""Events from other generators: HepMC3 (pyhepmc) and LHE (pylhe), streamed chunk by chunk.

:func:`open_events` returns an :class:`EventSource`: iterate it for EventBatch chunks (event
numbers = position in the file, so randomness and results do not depend on the chunk size), read
``info`` for what was found (format, frame, sqrt(s), cross section if the file states one, warnings).
Frames: events in the c.m. frame (beams back to back with equal energies, as MadGraph writes them)
are rotated and boosted to the SuperKEKB lab (the card's beams, crossing angle included); events
with SuperKEKB's beam energies are kept as they are; anything else is kept with a warning. Final-
state taus are decayed (Pythia 8 bank, generators/tau_decays.py), any other unstable particle left
undecayed (c tau < 1 m: pi0, eta, K0S, charm...) by Pythia 8 with its own vertices (inputs/decayer.py). A broken file (truncated, wrong format, non-finite momenta,
unknown PDG id, no beams) is an error naming the file and the event.
"""

from dataclasses import dataclass, field
from pathlib import Path

from belle2sim.errors import InputFileError

FORMATS = {".hepmc3": "hepmc3", ".hepmc": "hepmc3", ".lhe": "lhe", ".lhe.gz": "lhe", ".hepmc3.gz": "hepmc3"}


@dataclass
class SourceInfo:
    path: str
    format: str
    frame: str = None
    sqrt_s_GeV: float = None
    cross_section_pb: float = None
    n_events: int = 0
    warnings: list = field(default_factory=list)

    def to_dict(self):
        return {"file": self.path, "format": self.format, "frame": self.frame, "sqrt_s_GeV": self.sqrt_s_GeV,
                "cross_section_pb": self.cross_section_pb, "n_events": self.n_events, "warnings": self.warnings}


def file_format(path):
    name = str(path).lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    raise InputFileError(f"{path}: unknown event-file type (expected {', '.join(sorted(FORMATS))})")


def open_events(path, card, chunk_size=100_000, seed=1, max_events=None):
    """An EventSource over ``path`` (HepMC3 or LHE, optionally gzipped)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    fmt = file_format(path)
    if fmt == "hepmc3":
        from belle2sim.inputs.hepmc import read_hepmc as reader
    else:
        from belle2sim.inputs.lhe import read_lhe as reader
    from belle2sim.inputs.source import EventSource

    return EventSource(path, fmt, reader, card, chunk_size, seed, max_events)
