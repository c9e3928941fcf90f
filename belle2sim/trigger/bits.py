"""Input bits for a batch of events: runs the subsystem kernels and names their columns.

The three trigger levels of Belle II are kept apart: input bits (this module), output lines
(FTDL: the menu's logic, :func:`ftdl`) and lines after prescale (PSNM, :func:`psnm`).
"""

import zlib
from collections.abc import Mapping

import numpy as np

from belle2sim import _jit, rng
from belle2sim._jit import range_kernel
from belle2sim._workspace import scratch_arrays
from belle2sim.detector.cdc import axial_layers
from belle2sim.event_blocks import run_blocks
from belle2sim.trigger import cdc_bits, grl_bits, logic, logic_program
from belle2sim.trigger.cdc_bits import CDC_BITS, K_ESUM_EFF, N_CDC_BITS, cdc_trigger_bits
from belle2sim.trigger.grl_bits import GRL_BITS, N_GRL_BITS
from belle2sim.trigger.lines import PackedLines, PackedRows, masked_popcounts, prescale_in_place
from belle2sim.trigger.ecl_bits import ECL_BITS, ecl_trigger_bits, pack_parameters
from belle2sim.trigger.ecl_tc_tables import tc_lookup_tables

# bits derived from the others: bha_veto = ecl_3dbha; track = at least one 2D track;
# klm_hit / eklm_hit = at least one barrel / endcap KLM hit;
# veto = injection veto, never set in simulation (as in basf2 TSIM)
DERIVED_BITS = ("bha_veto", "track", "klm_hit", "eklm_hit", "veto")
INPUT_BITS = ECL_BITS + CDC_BITS + GRL_BITS + DERIVED_BITS


COLUMN = {name: k for k, name in enumerate(INPUT_BITS)}
ENERGY_SUM_COUNTER = 1 << 40  # above every per-particle counter of the trigger stage
_N_ECL = len(ECL_BITS)


class InputBits(Mapping):
    """name -> int8 column (one entry per event), a view into one (n_events, n_bits) matrix made
    when read: the menu program reads the matrix, so a chunk makes no view per bit (50 of them
    cost ~50 us of GIL per chunk, measured in the flow of a chunk, where each Python step runs
    from cold caches after the kernels)."""

    def __init__(self, matrix, number):
        self.matrix = matrix
        self.number = number

    def __getitem__(self, name):
        return self.matrix[:, COLUMN[name]]

    def __iter__(self):
        return iter(INPUT_BITS)

    def __len__(self):
        return len(INPUT_BITS)

    @property
    def n_events(self):
        return self.matrix.shape[0]


def compute_input_bits(batch, deposits, charge, tracks, card, menu, seed, period=None):
    """All input bits for ``batch`` given its ECL deposits, charges and tracks (KLM hits).
    ``period`` names the card's trigger-object calibration (None: the card's default)."""
    steps, bits = input_bit_steps(batch, deposits, charge, tracks, card, menu, seed, period)
    run_blocks([(None, step) for _, step in steps], batch.offsets)
    return bits


def input_bit_kernel_calls(batch, deposits, charge, tracks, card, menu, seed, period=None, zeroed=False):
    """([(name, call)], InputBits): the steps of :func:`input_bit_steps`, each a call without arguments
    over every event, to be made in this order (the warm-up's compilation jobs)."""
    steps, bits = input_bit_steps(batch, deposits, charge, tracks, card, menu, seed, period, zeroed)
    n_events = len(batch)
    return [(name, lambda step=step: step(0, n_events)) for name, step in steps], bits


def input_bit_steps(batch, deposits, charge, tracks, card, menu, seed, period=None, zeroed=False):
    """([(name, step)], InputBits): the kernels of :func:`compute_input_bits`, each a call over a
    range of events, ``step(first, last)`` (event_blocks.py), to be made in this order for each range
    (each reads what the ones before it wrote), and the bits they fill. ``zeroed``: every output and
    scratch array zeroed first, so that any of the calls can also be made alone or out of order (a
    first run compiling them in two processes, warmup.py)."""
    n_events, n = len(batch), batch.n_particles
    ecl, cdc, grl, calib = _kernel_arguments(card, menu, period)
    # column-major: each bit is contiguous for the line evaluation; kernels write by event. Unset:
    # the kernels write every column of every event (the bits that are never set are zeroed by
    # _finish_bits; tests/test_trigger_table.py fills the matrix with garbage to check)
    matrix = (np.zeros if zeroed else _unset_matrix)((n_events, len(INPUT_BITS)), dtype=np.int8, order="F")
    # small scratch types: the trigger works with 5 MeV ADC counts, float32 is ample
    scratch = tuple(np.zeros(n, t) for t in _SCRATCH_TYPES) if zeroed else scratch_arrays("trigger", n, _SCRATCH_TYPES)
    (w_ring, w_phi, w_label, dep_tc, w_E, w_ecm, w_tcm, w_pcm, w_centre, w_head, trk_particle, trk_phi0, trk_3d,
     trk_in, trk_face_bin) = scratch
    # the 3D Bhabha pair's heads, the number of clusters
    event_cells = (np.zeros if zeroed else np.empty)((n_events, 3), dtype=np.int32)
    mom_theta, mom_phi, mom_pt, mom_p = deposits.momentum_kinematics(batch)
    grl_params, phi_tables = grl
    ecl_arguments = (batch.offsets, deposits.energy_GeV, deposits.theta_rad, deposits.phi_rad, deposits.region, *ecl,
                     w_ring, w_phi, w_E, w_label, w_ecm, w_tcm, w_pcm, w_centre, w_head, dep_tc, event_cells,
                     matrix[:, :_N_ECL])
    cdc_arguments = (np.uint64(seed), batch.number, batch.offsets, batch.status, charge, batch.px, batch.py, batch.pz,
                     batch.vx, batch.vy, batch.vz, mom_theta, mom_phi, mom_pt, mom_p, *cdc, calib,
                     tracks.axial_superlayers, trk_particle, trk_phi0, trk_3d, trk_in,
                     matrix[:, _N_ECL:_N_ECL + N_CDC_BITS])
    grl_arguments = (np.uint64(seed), batch.number, batch.offsets, batch.px, batch.py, batch.pz, mom_pt, mom_p, charge,
                     matrix[:, COLUMN["t2"]], trk_particle, trk_phi0, trk_3d, dep_tc, w_label, w_E, w_ring, w_phi,
                     w_head, *phi_tables, deposits.theta_rad, tracks.klm_hit, event_cells, grl_params, calib,
                     trk_face_bin, matrix[:, _N_ECL + N_CDC_BITS:_N_ECL + N_CDC_BITS + N_GRL_BITS])
    # the ECL energy sums are calibrated trigger objects: one draw per event, so the three nested
    # thresholds stay nested; then the derived bits (in a kernel: no NumPy pass per bit under the GIL
    # while other threads take chunks)
    finish_arguments = (np.uint64(seed), batch.number, rng.STAGE_TRIGGER, ENERGY_SUM_COUNTER, calib[K_ESUM_EFF],
                        _ENERGY_SUM_COLUMNS, _DERIVED_FROM, _NEVER_SET, matrix.T)

    def ranged(kernel, arguments):
        return lambda first, last: _jit.call_range(kernel.kernel, first, last, *arguments)

    steps = [("ecl_trigger", ranged(ecl_trigger_bits, ecl_arguments)),
             ("cdc_trigger", ranged(cdc_trigger_bits, cdc_arguments)),
             ("grl", ranged(grl_bits.grl_bits, grl_arguments)), ("finish", ranged(_finish_bits, finish_arguments))]
    return steps, InputBits(matrix, batch.number)


# the trigger kernels' scratch, one slot per particle: ECL trigger (ring, phi segment, label, TC of
# each deposit, energy, c.m. energy, theta, phi, centre, slot of each cluster head), CDC trigger
# (particle, phi0, 3D, in acceptance of each track), GRL (face bin)
_SCRATCH_TYPES = (np.int8, np.int16, np.int32, np.int32, np.float32, np.float32, np.float32, np.float32, np.float64,
                  np.int32, np.int32, np.float32, np.bool_, np.bool_, np.int32)


def _kernel_arguments(card, menu, period):
    """The card's and the menu's numbers the trigger kernels take: (ECL trigger arguments, CDC
    trigger arguments, (GRL parameters, cluster phi tables), calibration), gathered once per
    card, menu and period (one look-up per chunk instead of ~20 steps)."""
    key = ("trigger_kernel_arguments", id(menu), period)
    # (the entry holds the menu: no other menu can have its id while the card keeps it; an
    # unknown period is an error when the entry is made)
    return card.cached(key, lambda: (menu, _gather_kernel_arguments(card, menu, card.resolve_period(period))))[1]


def _gather_kernel_arguments(card, menu, period):
    field_T = card.doc["cdc"]["magnetic_field_T"]
    params, sets = menu.cached("ecl", lambda: pack_parameters(
        menu.inputs["ecl"], card.doc["ecl_trigger"]["tc_threshold_GeV"]))
    edges, segments, offsets = card.tc_theta_edges_rad(), card.tc_phi_segments(), card.tc_phi_offsets_rad()
    lut = card.cached("tc_lut", lambda: tc_lookup_tables(edges, segments, offsets, card.beams.boost_vector))
    cdc = (card.cached("axial_layers", lambda: axial_layers(card)), menu.cached("cdc", lambda: cdc_bits.pack_parameters(
        menu.inputs["cdc"], field_T, menu.inputs.get("displaced"))))
    grl_params = menu.cached("grl", lambda: grl_bits.pack_parameters(menu.inputs["grl"], field_T))
    phi_tables = card.cached(("grl_cluster_phi", grl_params[grl_bits.G_BIN]), lambda: grl_bits.cluster_phi_tables(
        segments, offsets, grl_params[grl_bits.G_BIN]))
    return (edges, segments, offsets, *lut, params, sets), cdc, (grl_params, phi_tables), \
        card.trigger_calibration(period)


def ftdl(bits, menu):
    """Output lines before prescale (a PackedLines mapping name -> bool array). Sub-expressions
    shared by several lines (``!bha_veto``, ``!veto``, ...) are computed once, on bit-packed
    arrays, and the lines stay packed until read: input bits of a chunk (InputBits) through the
    menu compiled to one kernel (logic_program.py), any other mapping through NumPy."""
    n = bits.n_events if isinstance(bits, InputBits) else len(next(iter(bits.values())))
    if isinstance(bits, InputBits) and logic_program.USABLE:
        program = menu.for_lines("logic_program", lambda: logic_program.LogicProgram(
            {name: line.ast for name, line in menu.lines.items()}, COLUMN))
        # room for the prescaled lines beside the registers: psnm then copies no line
        return PackedLines(program.run(bits.matrix, _prescale_plan(menu, program.names).spare_rows), n)
    cache = {}
    return PackedLines({name: logic.evaluate(line.ast, bits, cache, packed=True)
                        for name, line in menu.lines.items()}, n)


def compile_menu_program(menu):
    """Compile (or load) the kernel that runs the menu program, and the one that counts its lines
    (lines.masked_popcounts), on a few empty events."""
    lines = ftdl(InputBits(np.zeros((8, len(INPUT_BITS)), dtype=np.int8, order="F"), np.arange(8)), menu)
    matrix, rows = lines.matrix_rows(list(lines))
    masked_popcounts(matrix, rows, 1, np.zeros(1, dtype=np.uint8), np.empty(len(rows), dtype=np.int64))


def psnm(lines, menu, seed, numbers):
    """Lines after prescale. A prescale N keeps a fired line with probability 1/N, drawn from
    (seed, event number, line name): the same event keeps the same decision in any chunking.
    Lines from the menu program are read and written in its matrix of registers (ftdl leaves
    spare rows for the prescaled lines): a line of prescale 1 is its FTDL row, not a copy (the
    copy of ~100 lines cost ~2.5 ns per single-photon event)."""
    names = lines.names()
    plan = _prescale_plan(menu, names)
    matrix, rows = lines.matrix_rows(names)  # (no copy of the menu program's registers)
    spare_from = getattr(lines.packed, "spare_from", None)
    if spare_from is None or matrix.shape[0] - spare_from < plan.spare_rows:
        # lines from elsewhere (NumPy's evaluator, a mapping): a matrix of them with the spare rows
        stacked = matrix[rows]
        matrix = np.zeros((len(names) + plan.spare_rows, 8 * ((stacked.shape[1] + 7) // 8)), np.uint8)
        matrix[:len(names), :stacked.shape[1]] = stacked  # (rows padded to whole words, as the registers)
        rows, spare_from = np.arange(len(names), dtype=np.int64), len(names)
    out_rows, row_of, rows_cache = plan.layout(rows, spare_from)
    n_bytes = (lines.n_events + 7) // 8
    prescale_in_place(np.uint64(seed), numbers, plan.counters, plan.probability, plan.scaled, rows, out_rows,
                      spare_from + len(plan.scaled) if plan.has_zero else -1, matrix, n_bytes)
    return PackedLines(PackedRows(matrix, row_of, n_bytes, rows_cache, names), lines.n_events)


def _prescale_plan(menu, names):
    return menu.for_lines(("prescale", names), lambda: _PrescalePlan(menu, names))


class _PrescalePlan:
    """The prescales of ``names``: the counter of each line, the probability 1 / N to keep a fired
    event (1: prescale 1, 0: prescale 0), the lines with a prescale N > 1 (``scaled``), and the
    spare rows they need: one per scaled line, one shared by the lines of prescale 0."""

    def __init__(self, menu, names):
        prescales = [menu.lines[name].prescale for name in names]
        self.names = names
        self.counters = np.array([rng.mix64(np.uint64(zlib.crc32(name.encode()))) for name in names],
                                 dtype=np.uint64)
        self.probability = np.array([1.0 / n if n > 0 else 0.0 for n in prescales])
        self.scaled = np.array([k for k, n in enumerate(prescales) if n > 1], dtype=np.int64)
        self.zero = [k for k, n in enumerate(prescales) if n <= 0]
        self.has_zero = bool(self.zero)
        self.spare_rows = len(self.scaled) + self.has_zero
        self._layouts = {}

    def layout(self, rows, spare_from):
        """(row of each line after prescale, name -> that row, a row cache for PackedRows) for
        lines at ``rows`` of a matrix whose spare rows start at ``spare_from``: made once per
        program (the same rows and spare rows for every chunk)."""
        key = (spare_from, rows.tobytes())
        if key not in self._layouts:
            out_rows = rows.copy()
            out_rows[self.scaled] = spare_from + np.arange(len(self.scaled))
            out_rows[self.zero] = spare_from + len(self.scaled)
            self._layouts[key] = (out_rows, {name: int(r) for name, r in zip(self.names, out_rows)}, {})
        return self._layouts[key]


# the energy-sum bits, calibrated together; each derived bit (DERIVED_BITS) from the bit it is
# set by: bha_veto = ecl_3dbha (a 0/1 bit), track / klm_hit / eklm_hit = any 2D track / KLM hit
_ENERGY_SUM_COLUMNS = np.array([COLUMN[name] for name in ("elow", "ehigh", "elum")], dtype=np.int64)
_DERIVED_FROM = np.array([[COLUMN[source], COLUMN[derived]] for source, derived in (
    ("ecl_3dbha", "bha_veto"), ("t2", "track"), ("klm", "klm_hit"), ("eklm", "eklm_hit"))], dtype=np.int64)
_NEVER_SET = np.array([COLUMN["veto"]], dtype=np.int64)  # the injection veto (as in basf2 TSIM)
_unset_matrix = np.empty  # (the test that every column is written fills it with garbage instead)


@range_kernel("numbers")
def _finish_bits(begin, end, seed, numbers, stage, counter, probability, energy_sums, derived_from, never_set,
                 columns):
    """The energy-sum bits kept with ``probability`` (one draw per event from (seed, event
    number, stage, counter); only below 1), then each derived bit = its source bit above zero,
    and the ``never_set`` bits zero (the other kernels write every other bit of every event)."""
    # one column at a time, with unsigned indices (numba tests signed ones for wrap-around): simple
    # loops that LLVM vectorises, the hashes included (13.5 -> 1.2 ns per event, measured)
    first = np.uint64(begin)
    if probability < 1.0:
        keep = np.empty(end - begin, dtype=np.int8)
        for t in range(np.uint64(end - begin)):
            keep[t] = np.int8(rng.uniform(rng.event_key(seed, numbers[first + t], stage), counter) < probability)
        for c in energy_sums:
            column = columns[c]
            for t in range(np.uint64(end - begin)):
                column[first + t] &= keep[t]
    for k in range(derived_from.shape[0]):
        source, target = columns[derived_from[k, 0]], columns[derived_from[k, 1]]
        for i in range(first, np.uint64(end)):
            target[i] = np.int8(source[i] > 0)
    for c in never_set:
        column = columns[c]
        for i in range(first, np.uint64(end)):
            column[i] = 0
