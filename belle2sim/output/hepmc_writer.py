"""EventBatch -> HepMC3 ASCII (pyhepmc), for reuse of belle2sim's events elsewhere.

One vertex holds the beams (in) and the hard-process particles (out) at the event's vertex; every
decayed particle gets a vertex at its daughters' production point. Units GeV and mm (HepMC's
defaults; belle2sim works in cm). Each event carries the process cross section when it is known
(GenCrossSection in pb; for Pythia samples its running estimate, so the last event's is the best, as
Pythia's own HepMC output does). Written through a temporary file (atomic).
"""


def _event(batch, i):
    import pyhepmc

    ev = pyhepmc.GenEvent(pyhepmc.Units.GEV, pyhepmc.Units.MM)
    ev.event_number = int(batch.number[i])
    ev.weights = [float(batch.weight[i])]  # (matrix-element events above the unweighting bound weigh > 1)
    start, stop = batch.offsets[i], batch.offsets[i + 1]
    particles = [pyhepmc.GenParticle((batch.px[j], batch.py[j], batch.pz[j], batch.E[j]), int(batch.pdg[j]),
                                     int(batch.status[j])) for j in range(start, stop)]
    for particle in particles:  # ids in belle2sim's order: a re-read event draws the same random numbers
        ev.add_particle(particle)
    beams = [k for k in range(stop - start) if batch.status[start + k] == 4]
    hard = pyhepmc.GenVertex((10 * batch.vx[start], 10 * batch.vy[start], 10 * batch.vz[start], 0.0))
    for k in beams:
        hard.add_particle_in(particles[k])
    decay_vertices = {}
    for k in range(stop - start):
        j = start + k
        if k in beams:
            continue
        m = batch.parent[j]
        if m < 0:
            hard.add_particle_out(particles[k])
            continue
        if m not in decay_vertices:
            v = pyhepmc.GenVertex((10 * batch.vx[j], 10 * batch.vy[j], 10 * batch.vz[j], 0.0))
            v.add_particle_in(particles[m])
            decay_vertices[m] = v
        decay_vertices[m].add_particle_out(particles[k])
    ev.add_vertex(hard)
    for v in decay_vertices.values():
        ev.add_vertex(v)
    return ev


def write_hepmc(batches, path, cross_section_pb=None):
    """Write EventBatch chunks to ``path`` (HepMC3 ASCII); returns the number of events.
    ``cross_section_pb``: a callable giving (sigma, error) in pb when an event is written."""
    import pyhepmc

    from belle2sim.output.atomic import atomic_path

    n = 0
    with atomic_path(path) as tmp:
        with pyhepmc.open(str(tmp), "w", format="hepmc3") as f:
            for batch in batches:
                for i in range(len(batch)):
                    event = _event(batch, i)
                    if cross_section_pb is not None:
                        sigma, error = cross_section_pb()
                        event.cross_section = pyhepmc.GenCrossSection()
                        event.cross_section.set_cross_section(float(sigma), float(error))
                    f.write(event)
                    n += 1
    return n
