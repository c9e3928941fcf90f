"""Output lines of a chunk, kept bit-packed (8 events per byte) as the logic evaluator makes them.

:class:`PackedLines` is a read-only mapping name -> bool array (one entry per event); a line is
unpacked the first time it is read. Counting events on packed lines (:meth:`count`) and
combining them with an event mask never unpacks: the efficiency job sums 100+ lines per chunk
through popcounts.
"""

from collections.abc import Mapping

import numpy as np

from belle2sim import rng
from belle2sim._jit import ix, range_kernel


class PackedLines(Mapping):
    def __init__(self, packed, n_events):
        self.packed = packed      # name -> uint8 array of ceil(n / 8) bytes (np.packbits order)
        self.n_events = n_events
        self._unpacked = {}

    def __getitem__(self, name):
        if name not in self._unpacked:
            self._unpacked[name] = np.unpackbits(self.packed[name], count=self.n_events).view(np.bool_)
        return self._unpacked[name]

    def __iter__(self):
        return iter(self.packed)

    def __len__(self):
        return len(self.packed)

    def stacked(self, names, copy=True):
        """The packed lines ``names`` as rows of one uint8 array (``copy=False``: may be this
        object's own matrix, to read only)."""
        if isinstance(self.packed, PackedRows):
            return self.packed.stacked(names, copy)
        return np.stack([self.packed[name] for name in names])

    def names(self):
        """The lines' names, a tuple (made once per menu where the lines are rows of a matrix)."""
        return self.packed.names if isinstance(self.packed, PackedRows) else tuple(self.packed)

    def matrix_rows(self, names):
        """(uint8 matrix, row of each of ``names`` in it): the lines without a copy where they
        are rows of one matrix already (to read only; row bytes past ceil(n / 8) are padding)."""
        if isinstance(self.packed, PackedRows):
            return self.packed.matrix, self.packed.rows(names)
        return self.stacked(names), np.arange(len(names), dtype=np.int64)

    def count(self, name, packed_mask=None):
        """Number of events that fire ``name`` (and pass ``packed_mask``, a packed event mask)."""
        p = self.packed[name] if packed_mask is None else self.packed[name] & packed_mask
        return int(np.bitwise_count(p).sum())


class PackedRows(Mapping):
    """name -> packed line, each a row of one uint8 matrix (the compiled menu's registers, or
    the lines after prescale): no array object per line until one is read."""

    def __init__(self, matrix, row_of, n_bytes, rows_cache=None, names=None, spare_from=None):
        self.matrix, self.row_of, self.n_bytes = matrix, row_of, n_bytes
        # shared by the chunks of one row_of: names -> their rows, and the tuple of all names
        self._rows_cache, self._names = rows_cache, names
        # rows from here on are the matrix's spare rows, for the lines after prescale (bits.psnm)
        self.spare_from = spare_from

    @property
    def names(self):
        """All names, in row order of ``row_of``'s iteration (a tuple)."""
        if self._names is None:
            self._names = tuple(self.row_of)
        return self._names

    def rows(self, names):
        """The row of each of ``names``, an int64 array (to read only; kept for a tuple of names)."""
        cache = self._rows_cache if isinstance(names, tuple) else None
        rows = None if cache is None else cache.get(names)
        if rows is None:
            rows = np.array([self.row_of[name] for name in names], dtype=np.int64)
            if cache is not None:
                cache[names] = rows
        return rows

    def __getitem__(self, name):
        return self.matrix[self.row_of[name], :self.n_bytes]

    def __iter__(self):
        return iter(self.row_of)

    def __len__(self):
        return len(self.row_of)

    def stacked(self, names, copy=True):
        rows = [self.row_of[name] for name in names]
        if rows == list(range(self.matrix.shape[0])) and self.n_bytes == self.matrix.shape[1]:
            return self.matrix.copy() if copy else self.matrix
        return self.matrix[rows, :self.n_bytes]  # (fancy indexing: a new array)


def _packed_words(seed, numbers, mixed_counters, keep_probability, scaled, rows, out_rows, zero_row, matrix,
                  n_bytes):
    return (n_bytes + 7) // 8  # 64 events per word


@range_kernel(_packed_words, min_per_piece=8)
def prescale_in_place(begin, end, seed, numbers, mixed_counters, keep_probability, scaled, rows, out_rows, zero_row,
                      matrix, n_bytes):
    """Lines after prescale, written into spare rows of the lines' own matrix (its rows padded to
    whole 8-byte words): for each line l in ``scaled``, matrix[out_rows[l]] = matrix[rows[l]] with
    each fired event kept with keep_probability[l], drawn from (seed, event number, counter of
    line l; ``mixed_counters`` holds rng.mix64 of each counter); row ``zero_row`` (if >= 0)
    cleared, for the lines of prescale 0. Lines of prescale 1 are not copied: they stay where they
    are. 64 events at a time are skipped where none fired; an event's key is made once for all
    prescaled lines."""
    if zero_row >= 0:
        for b in range(np.uint64(8 * begin), np.uint64(min(8 * end, n_bytes))):
            matrix[zero_row, b] = 0
    # a word's 64 events: their keys (made at the word's first fired prescaled line) and each line's
    # keep-or-drop for all 64, in loops LLVM vectorises, then kept where the line fired (one draw
    # per fired event and line, one by one, cost four-muon events, 14 fired prescaled lines each,
    # 50 ns; the draws of events that did not fire are made and dropped: 14.5 ns)
    keys = np.empty(64, dtype=np.uint64)
    keep = np.zeros(64, dtype=np.uint8)
    n_events = numbers.shape[0]
    for w in range(begin, end):
        first = 8 * w
        n_here = min(8, n_bytes - first)
        n_word = min(64, n_events - 8 * first)  # (the last word's padding holds no event)
        keyed = False
        for line in scaled:
            row, out = rows[line], out_rows[line]
            word = np.uint64(0)
            for q in range(8):  # (LLVM makes this one 64-bit load)
                word |= np.uint64(matrix[ix(row), ix(first + q)]) << np.uint64(8 * q)
            if word == 0:
                for q in range(n_here):
                    matrix[ix(out), ix(first + q)] = 0
                continue
            if not keyed:
                for e in range(n_word):
                    keys[e] = rng.event_key(seed, numbers[ix(8 * first + e)], rng.STAGE_PRESCALE)
                keyed = True
            mixed, p = mixed_counters[line], keep_probability[line]
            for e in range(64):
                keep[e] = rng.uniform_mixed(keys[e], mixed) < p
            for e in range(n_word, 64):
                keep[e] = 0  # (no event: never kept)
            for q in range(n_here):
                kept = 0
                for k in range(8):  # np.packbits' order: the first event is the most significant bit
                    kept |= keep[8 * q + k] << (7 - k)
                matrix[ix(out), ix(first + q)] = kept & matrix[ix(row), ix(first + q)]


# SWAR popcount of a 64-bit word (Hacker's Delight 5-1), and of a byte for the tails
_M1, _M2, _M4 = np.uint64(0x5555555555555555), np.uint64(0x3333333333333333), np.uint64(0x0F0F0F0F0F0F0F0F)
_BYTES_ONES = np.uint64(0x0101010101010101)
_BYTE_COUNT = np.array([bin(b).count("1") for b in range(256)], dtype=np.int64)


@range_kernel("rows", min_per_piece=8)  # items: lines
def masked_popcounts(begin, end, matrix, rows, n_bytes, packed_mask, out):
    """out[l] = number of bits set in both matrix[rows[l], :n_bytes] and ``packed_mask`` (events
    firing line l and passing the mask): eight bytes at a time, no copy of the rows."""
    words = n_bytes // 8
    for line in range(begin, end):
        r = rows[line]
        total = np.uint64(0)
        for w in range(words):
            x = np.uint64(0)
            for k in range(8):  # (LLVM turns this into one 64-bit load and AND)
                x |= np.uint64(matrix[r, 8 * w + k] & packed_mask[8 * w + k]) << np.uint64(8 * k)
            x = x - ((x >> np.uint64(1)) & _M1)
            x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
            x = (x + (x >> np.uint64(4))) & _M4
            total += (x * _BYTES_ONES) >> np.uint64(56)
        count = np.int64(total)
        for b in range(8 * words, n_bytes):
            count += _BYTE_COUNT[matrix[r, b] & packed_mask[b]]
        out[line] = count
