"""Efficiencies with uncertainties, and efficiency maps as ``hist`` histograms.

Unweighted events: Wilson score interval (68.27%). Weighted events: the same interval on the
effective number of entries n_eff = (sum w)^2 / sum w^2 (the usual treatment for weighted MC).
"""

import math

import numpy as np

from belle2sim._jit import range_kernel
from belle2sim.trigger.lines import masked_popcounts

# the normal quantile of a central 68.27 % interval: scipy.special.ndtri(0.5 + 0.6827 / 2), to the
# bit (tests/test_maps.py compares); written out because importing scipy.special costs every run
# 0.13 s (and scipy.stats 1 s)
Z_1SIGMA = 1.0000217133229992


def wilson_interval(passed, total, z=Z_1SIGMA):
    """(low, high) Wilson score interval for passed/total (arrays or scalars)."""
    passed = np.asarray(passed, dtype=float)
    total = np.asarray(total, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(total > 0, passed / total, 0.0)
        denom = 1.0 + z**2 / total
        centre = (p + z**2 / (2 * total)) / denom
        half = z * np.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / denom
    return np.where(total > 0, centre - half, 0.0), np.where(total > 0, centre + half, 1.0)


class Counter:
    """Accumulates weighted pass counts for named selections over chunks."""

    # Sums are exact whatever the chunking: unit weights are counted as integers, and the few
    # other weights (matrix-element overflows) are kept and summed once with math.fsum (exactly
    # rounded), so no digit depends on how the events were split into chunks.

    def __init__(self):
        self._n = {}       # name -> number of passing events of unit weight
        self._other = {}   # name -> list of the other weights of passing events
        self._chunk = None  # (weights, unit-weight mask, positions of the other weights) of the last chunk
        self.add_total(np.zeros(0))

    def __getstate__(self):  # (sent between processes: without the last chunk's weights)
        return {**self.__dict__, "_chunk": None}

    def _split(self, weight):
        """(unit-weight mask or None if every weight is 1, positions of the others) of a chunk's
        weights: found once per chunk, not once per selection."""
        if self._chunk is None or self._chunk[0] is not weight:
            unit = weight == 1.0
            other = np.flatnonzero(~unit)
            self._chunk = (weight, None if len(other) == 0 else unit, other)
        return self._chunk[1], self._chunk[2]

    def _sums(self, name):
        other = self._other.get(name, [])
        n = self._n.get(name, 0)
        return n + math.fsum(other), n + math.fsum(w * w for w in other)

    def add_total(self, weight):
        weight = np.asarray(weight, dtype=float)
        _, other = self._split(weight)
        self._n[None] = self._n.get(None, 0) + len(weight) - len(other)
        if len(other):
            self._other.setdefault(None, []).extend(weight[other].tolist())

    def add(self, name, mask, weight):
        unit, other = self._split(weight)
        passed_unit = mask if unit is None else mask & unit
        self._n[name] = self._n.get(name, 0) + int(np.count_nonzero(passed_unit))
        if len(other):
            w = weight[other[mask[other]]]
            if len(w):
                self._other.setdefault(name, []).extend(w.tolist())

    def add_lines(self, names, matrix, rows, weight, mask=None):
        """For every line l, the packed events of row ``rows[l]`` of ``matrix`` (np.packbits order,
        the first ceil(n / 8) bytes; PackedLines.matrix_rows gives them without a copy), add the
        events set in it (and in the boolean ``mask``) under ``names[l]``: one popcount kernel over
        all lines for the unit weights, and the few other weights (matrix-element overflows)
        gathered per line, so a chunk costs no per-line pass over its events."""
        unit, other = self._split(weight)  # (found once per chunk; unit None: every weight is 1)
        if unit is None:
            keep = np.ones(len(weight), dtype=np.bool_) if mask is None else mask
        else:
            keep = unit if mask is None else unit & mask
        counts = np.empty(len(rows), dtype=np.int64)
        masked_popcounts(matrix, rows, (len(weight) + 7) // 8, np.packbits(keep), counts)
        for name, c in zip(names, counts.tolist()):
            self._n[name] = self._n.get(name, 0) + c
        if mask is not None and len(other):
            other = other[mask[other]]
        if len(other):
            bits = (matrix[rows[:, None], other >> 3] >> (7 - (other & 7)).astype(np.uint8)) & 1
            w = weight[other]
            for name, row in zip(names, bits):
                if row.any():
                    self._other.setdefault(name, []).extend(w[row == 1].tolist())

    def add_count(self, name, count):
        """``count`` more passing events of unit weight."""
        self._n[name] = self._n.get(name, 0) + int(count)

    def merge(self, other):
        """Add another counter's events (exact: integer counts, and weights summed once at the end)."""
        for name, n in other._n.items():
            self._n[name] = self._n.get(name, 0) + n
        for name, ws in other._other.items():
            self._other.setdefault(name, []).extend(ws)
        return self


    def ratio(self, numerator, denominator):
        """(fraction, symmetric 68% error) of ``numerator`` among ``denominator`` events (the
        numerator's events must be a subset); Wilson interval on the denominator's effective
        entries."""
        den, den2 = self._sums(denominator)
        if den <= 0:
            return math.nan, math.nan  # no denominator events: undefined, not zero
        frac = self._sums(numerator)[0] / den
        n_eff = den**2 / den2
        lo, hi = wilson_interval(frac * n_eff, n_eff)
        return frac, float(0.5 * (hi - lo))

    def efficiency(self, name):
        """(efficiency, symmetric error, (low, high)) for one selection."""
        total, total2 = self._sums(None)
        if total <= 0:
            return 0.0, 0.0, (0.0, 1.0)
        eff = self._sums(name)[0] / total
        n_eff = total**2 / total2
        lo, hi = wilson_interval(eff * n_eff, n_eff)
        return eff, float(0.5 * (hi - lo)), (float(lo), float(hi))


@range_kernel("packed", min_per_piece=8)  # items: trigger lines
def _weighted_line_sums(begin, end, w, packed, mask, out):
    """out[l, c] = sum of w[i, c] over events i set in packed[l] (and in ``mask``); integers."""
    n_c = w.shape[1]
    for line in range(begin, end):
        for c in range(n_c):
            out[line, c] = 0
        for b in range(packed.shape[1]):
            byte = packed[line, b] & mask[b]
            if byte == 0:
                continue
            for k in range(8):
                if byte & (128 >> k):  # np.packbits order: the first event is the top bit
                    i = 8 * b + k
                    for c in range(n_c):
                        out[line, c] += w[i, c]


class LifetimeCounter:
    """Pass counts for every c tau of a lifetime axis at once (events weighted by
    :func:`belle2sim.propagation.lifetime_weights`).

    Each weight is rounded to a multiple of 2^-24 (w^2 to 2^-16) and summed as an integer, so the
    sums are exact and no digit depends on the chunking; the rounding (6e-8 of a unit weight) is
    far below any statistical error. Pass arrays are bit-packed; one parallel kernel sums the
    weights of all lifetimes for many selections at once."""

    SCALE = float(2**24)
    SCALE2 = float(2**16)
    def __init__(self, n_lifetimes):
        self.n = n_lifetimes
        self._sum = {}
        self._sum2 = {}
        self._w_int = self._w2_int = None
        self._n_events = 0

    def begin_chunk(self, weights):
        """The (n_lifetimes, n_events) weights of the events of the next calls."""
        if not np.all(weights < 2.0**20):
            raise OverflowError("lifetime weight above 2^20: the reference law cannot reach this c tau")
        self.begin_chunk_fixed(np.rint(weights.T * self.SCALE).astype(np.int64),
                               np.rint((weights * weights).T * self.SCALE2).astype(np.int64))

    def begin_chunk_fixed(self, w_int, w2_int):
        """The weights already in fixed point, shape (n_events, n_lifetimes): w 2^24, w^2 2^16."""
        self._w_int = np.ascontiguousarray(w_int)
        self._w2_int = np.ascontiguousarray(w2_int)
        self._n_events = w_int.shape[0]

    def add_matrix(self, names, passed):
        """Add, for each column k of the (n_events, len(names)) boolean ``passed``, the weights of
        the events passing it to ``names[k]``."""
        self.add_packed(names, np.packbits(np.asarray(passed, dtype=np.bool_).T, axis=1))

    def add_packed(self, names, packed, packed_mask=None):
        """As :meth:`add_matrix` for bit-packed pass arrays (rows of ``packed``, np.packbits order),
        ANDed with ``packed_mask``: integer sums in a kernel, no unpacking."""
        if packed_mask is None:
            packed_mask = np.full(packed.shape[1], 255, dtype=np.uint8)
        for w, store in ((self._w_int, self._sum), (self._w2_int, self._sum2)):
            out = np.empty((len(names), self.n), dtype=np.int64)
            _weighted_line_sums(w, packed, packed_mask, out)
            for k, name in enumerate(names):
                old = store.get(name, [0] * self.n)
                store[name] = [a + int(b) for a, b in zip(old, out[k].tolist())]

    def add_total(self, _weight=None):
        self.add_matrix([None], np.ones((self._n_events, 1), dtype=np.bool_))

    def add(self, name, mask, _weight=None):
        self.add_matrix([name], np.asarray(mask, dtype=np.bool_)[:, None])

    def merge(self, other):
        """Add another lifetime counter's sums (integers: exact in any order)."""
        for mine, theirs in ((self._sum, other._sum), (self._sum2, other._sum2)):
            for name, values in theirs.items():
                old = mine.get(name, [0] * self.n)
                mine[name] = [a + b for a, b in zip(old, values)]
        return self

    def view(self, k):
        """A Counter-like view of the k-th lifetime (efficiency, ratio)."""
        return _LifetimeView(self, k)


class _LifetimeView(Counter):
    def __init__(self, parent, k):  # noqa: super().__init__ not wanted: the sums live in the parent
        self._parent, self._k = parent, k

    def _sums(self, name):
        p = self._parent
        return (p._sum.get(name, [0] * p.n)[self._k] / p.SCALE,
                p._sum2.get(name, [0] * p.n)[self._k] / p.SCALE2)


def efficiency_map(masses_GeV, efficiencies, errors, label="efficiency"):
    """A 1D ``hist`` map of efficiency vs mass (bins centred on the scan points)."""
    import hist

    m = np.asarray(masses_GeV, dtype=float)
    order = np.argsort(m)
    m = m[order]
    if len(m) > 1:
        mids = 0.5 * (m[1:] + m[:-1])
        edges = np.concatenate([[m[0] - (mids[0] - m[0])], mids, [m[-1] + (m[-1] - mids[-1])]])
    else:
        edges = np.array([m[0] - 0.5, m[0] + 0.5])
    h = hist.Hist(hist.axis.Variable(edges, name="mass", label="mass [GeV]"),
                  storage=hist.storage.Weight(), label=label)
    h.view().value = np.asarray(efficiencies, dtype=float)[order]
    h.view().variance = np.asarray(errors, dtype=float)[order] ** 2
    return h
