"""HepMC3 events (pyhepmc; ASCII v3, HepMC2 and gzipped files as pyhepmc reads them) as rows.

Units are converted (MeV -> GeV, mm -> cm); each particle's production position is its
production vertex's (the origin if it has none); its parent is the first incoming particle of
that vertex, unless that is a beam (hard-process products have no parent, as in belle2sim's own
events); the event's weight is its first (nominal) weight, 1 if it has none. A file that pyhepmc
cannot parse, or that ends in the middle of an event, is an error naming the file and the last
event read.
"""

import numpy as np

from belle2sim.errors import InputFileError

_FIELDS = ("pdg", "px", "py", "pz", "E", "vx", "vy", "vz", "parent", "status")


def _row(event, path):
    import pyhepmc

    gev = 1.0 if event.momentum_unit == pyhepmc.Units.GEV else 1e-3
    cm = 0.1 if event.length_unit == pyhepmc.Units.MM else 1.0
    particles = event.particles
    n = len(particles)
    row = {f: np.zeros(n, dtype=np.int32 if f in ("pdg", "parent") else np.int8 if f == "status" else np.float64)
           for f in _FIELDS}
    index = {p.id: k for k, p in enumerate(particles)}
    for k, p in enumerate(particles):
        m = p.momentum
        row["pdg"][k], row["status"][k] = p.pid, min(max(p.status, -128), 127)
        row["px"][k], row["py"][k], row["pz"][k], row["E"][k] = m.px * gev, m.py * gev, m.pz * gev, m.e * gev
        vertex = p.production_vertex
        row["parent"][k] = -1
        if vertex is not None:
            pos = vertex.position
            row["vx"][k], row["vy"][k], row["vz"][k] = pos.x * cm, pos.y * cm, pos.z * cm
            incoming = vertex.particles_in
            if incoming and incoming[0].status != 4:
                row["parent"][k] = index[incoming[0].id]
    weights = event.weights
    row["weight"] = float(weights[0]) if len(weights) else 1.0  # the nominal weight (none: unweighted)
    return row


def _truncated(path):
    """An uncompressed HepMC3 ASCII file without its closing END_EVENT_LISTING line was cut short."""
    if str(path).lower().endswith(".gz"):
        return False
    with open(path, "rb") as f:
        head = f.read(64)
        if b"Asciiv3" not in head:
            return False
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 256))
        return b"END_EVENT_LISTING" not in f.read()


def read_hepmc(path, info):
    import pyhepmc

    if _truncated(path):  # checked first: nothing is simulated from a cut file
        raise InputFileError(f"{path}: truncated HepMC3 file (no END_EVENT_LISTING line at its end)")
    last = None
    try:
        with pyhepmc.open(str(path)) as f:
            for event in f:
                if len(event.particles) == 0:  # pyhepmc's reader returns an empty event on a parse error
                    where = "the first event" if last is None else f"the event after {last}"
                    raise InputFileError(f"{path}: {where} cannot be parsed (truncated or corrupt HepMC)")
                last = event.event_number
                if event.cross_section is not None:  # the last event's is the best running estimate
                    xs = event.cross_section.xsec()
                    if np.isfinite(xs) and xs > 0:
                        info.cross_section_pb = float(xs)
                yield _row(event, path)
    except (OSError, RuntimeError, IOError) as exc:
        where = "before the first event" if last is None else f"after event {last}"
        raise InputFileError(f"{path}: not a readable HepMC file ({where}): {exc}") from None
    if last is None:
        raise InputFileError(f"{path}: no HepMC events found (empty, truncated or not HepMC)")
