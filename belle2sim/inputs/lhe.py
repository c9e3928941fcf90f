"""Les Houches event files (pylhe; plain or gzipped) as rows.

Incoming particles (LHE status -1: the e+e- beams of a lepton-collider file) become beams
(status 4), intermediate resonances (status 2) decayed particles, outgoing ones (status 1) final
state; mothers are 1-based in LHE and become 0-based parents (beams as parents: none). LHE has no
positions: every particle starts at the origin (decays in flight are done here). An event's
weight is its XWGTUP. The cross section is the sum of the processes' XSECUP (pb) in the init block.
"""

import numpy as np

from belle2sim.errors import InputFileError

_FIELDS = ("pdg", "px", "py", "pz", "E", "vx", "vy", "vz", "parent", "status")
_STATUS = {-1: 4, 1: 1, 2: 2}


def _row(event, path, number):
    particles = event.particles
    n = len(particles)
    row = {f: np.zeros(n, dtype=np.int32 if f in ("pdg", "parent") else np.int8 if f == "status" else np.float64)
           for f in _FIELDS}
    for k, p in enumerate(particles):
        status = int(p.status)
        if status not in _STATUS:
            raise InputFileError(f"{path}: event {number} particle {k}: LHE status {status} is not handled "
                                 f"(-1 incoming, 1 outgoing, 2 resonance)")
        row["pdg"][k], row["status"][k] = int(p.id), _STATUS[status]
        row["px"][k], row["py"][k], row["pz"][k], row["E"][k] = p.px, p.py, p.pz, p.e
        mother = int(p.mother1) - 1
        row["parent"][k] = mother if mother >= 0 and int(particles[mother].status) != -1 else -1
    row["weight"] = float(event.eventinfo.weight)  # XWGTUP
    return row


def read_lhe(path, info):
    import pylhe

    number = -1
    try:
        # without attributes: the optional <weights>/<rwgt>/<scales> blocks are not needed here, and
        # Pythia 8's own LHEF3 writer leaves <weights></weights> empty, which pylhe refuses
        lhe = pylhe.LHEFile.fromfile(str(path), with_attributes=False)
        xs = [p.xSection for p in lhe.init.procInfo]
        info.cross_section_pb = float(sum(xs)) if xs and sum(xs) > 0 else None
        for number, event in enumerate(lhe.events):
            yield _row(event, path, number)
    except InputFileError:
        raise
    except Exception as exc:  # pylhe raises XML, value and index errors on broken files
        where = "before the first event" if number < 0 else f"after event {number}"
        raise InputFileError(f"{path}: not a readable LHE file ({where}): {type(exc).__name__}: {exc}") from None
    if number < 0:
        raise InputFileError(f"{path}: no LHE events found (empty or truncated)")
