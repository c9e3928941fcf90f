"""The menu's lines as one compiled program over bit-packed events (the FTDL stage in a kernel).

Evaluating the lines in NumPy took ~530 small array operations per chunk, each holding the GIL
to start: with threads that each take whole chunks, that Python work became the limit (single-
photon events stopped scaling at 6x on 16 cores). Here the ASTs of all lines are compiled once per
menu into a flat list of instructions (shared sub-expressions once, as the NumPy evaluator's
cache did) and one nogil kernel runs them over blocks of packed events.

Bytes are exactly those of :func:`belle2sim.trigger.logic.evaluate` with ``packed=True``
(np.packbits order: the first event is the most significant bit; padding bits of the last byte
as NumPy leaves them, i.e. flipped by a "not"), so nothing downstream changes.
"""

import sys

import numpy as np

from belle2sim._jit import inline, ix, range_kernel
from belle2sim.trigger.lines import PackedRows
from belle2sim.trigger.logic import _COMPARE

# instructions (op, a, b, out, c); registers hold packed events. Every comparison of a bit with a
# constant is an interval test: bit in [b, c] (OP_IN) or not in it (OP_OUT), a the bit's column.
OP_IN, OP_OUT, OP_NOT, OP_AND, OP_OR, OP_COPY, OP_ZEROS, OP_ONES = range(8)
INT16_MIN, INT16_MAX = -32768, 32767  # the bits are int8: tests in int16, constants clamped to it
_INTERVAL = {">": lambda v: (OP_IN, v + 1, INT16_MAX), ">=": lambda v: (OP_IN, v, INT16_MAX),
             "<": lambda v: (OP_IN, INT16_MIN, v - 1), "<=": lambda v: (OP_IN, INT16_MIN, v),
             "==": lambda v: (OP_IN, v, v), "=": lambda v: (OP_IN, v, v), "!=": lambda v: (OP_OUT, v, v)}
BLOCK_WORDS = 64  # 64-bit words (4096 events) per pass over the program: every register's block stays in cache
# (the packed bytes of np.packbits, 8 per word in memory order: a little-endian machine's)
PACK_MULTIPLIER = np.uint64(0x8040201008040201)  # gathers the low bits of 8 bytes, first byte highest


class LogicProgram:
    """Lines (name -> AST) compiled against bit columns (name -> column of the input-bit matrix)."""

    def __init__(self, lines, column):
        self._column = column
        self._register = {}  # AST -> register holding it
        self._code = []
        self.lines = {name: self._emit(ast) for name, ast in lines.items()}
        self.code = np.array(self._code, dtype=np.int64).reshape(-1, 5)
        self.n_registers = len(self._register)
        self.rows_cache, self.names = {}, tuple(self.lines)  # (for PackedRows: made once, not per chunk)

    def _new(self, ast, op, a, b=0, c=0):
        out = len(self._register)
        self._register[ast] = out
        self._code.append((op, a, b, out, c))
        return out

    def _interval(self, ast, column, op, lo, hi):
        clamp = lambda v: min(max(v, INT16_MIN), INT16_MAX)  # noqa: E731 (int8 bits: same decisions)
        return self._new(ast, op, self._column[column], clamp(lo), clamp(hi))

    def _emit(self, ast):
        if ast in self._register:
            return self._register[ast]
        op = ast[0]
        if op == "bit":
            return self._interval(ast, ast[1], OP_OUT, 0, 0)  # non-zero
        if op == "cmp":
            if ast[2][0] == "bit":
                return self._interval(ast, ast[2][1], *_INTERVAL[ast[1]](int(ast[3])))
            # a comparison of a sub-expression (0 or 1) with a constant: a function of that bit
            inner = self._emit(ast[2])
            when_set, when_clear = (bool(_COMPARE[ast[1]](v, int(ast[3]))) for v in (1, 0))
            kind = {(True, True): OP_ONES, (True, False): OP_COPY, (False, True): OP_NOT,
                    (False, False): OP_ZEROS}[(when_set, when_clear)]
            return self._new(ast, kind, inner, 1)  # b = 1: padding bits 0, as np.packbits of a comparison
        if op == "not":
            return self._new(ast, OP_NOT, self._emit(ast[1]))
        a, b = self._emit(ast[1]), self._emit(ast[2])
        return self._new(ast, OP_AND if op == "and" else OP_OR, a, b)

    def run(self, matrix, spare_rows=0):
        """name -> packed line (uint8, ceil(n / 8) bytes) for the (n_events, n_bits) int8 matrix
        (column-major: each bit contiguous); ``spare_rows`` more rows in the registers' matrix,
        unset, for the lines after prescale (bits.psnm)."""
        n_events = matrix.shape[0]
        n_bytes = (n_events + 7) // 8
        registers = np.empty((self.n_registers + spare_rows, (n_bytes + 7) // 8), dtype=np.uint64)
        _run_program(self.code, matrix.T, n_events, registers)
        return PackedRows(registers.view(np.uint8), self.lines, n_bytes, self.rows_cache, self.names,
                          spare_from=self.n_registers)


USABLE = sys.byteorder == "little"  # the words hold packbits' bytes in memory order


@inline
def _compare(inside, column, lo, hi, i0, i1, flags):
    """flags[i - i0] = 1 where column[i] is in [lo, hi] (``inside``) or out of it, for i in
    [i0, i1); 0 after. (One loop, in int16: LLVM vectorises it.)"""
    c = column[i0:i1]
    lo16, hi16, flip = np.int16(lo), np.int16(hi), np.uint8(0 if inside else 1)
    for i in range(np.uint64(i1 - i0)):  # (unsigned: numba tests signed indices for wrap-around)
        x = np.int16(c[i])
        flags[i] = np.uint8((x >= lo16) & (x <= hi16)) ^ flip
    for i in range(np.uint64(i1 - i0), np.uint64(flags.shape[0])):  # (a memset; signed: 0.3 ns a byte)
        flags[i] = 0


@inline
def _valid_bits(n_events, last_word):
    """The bits of the last word that hold events (np.packbits pads the last byte with zeros)."""
    mask = np.uint64(0)
    for e in range(64 * last_word, n_events):
        mask |= np.uint64(1) << np.uint64(8 * ((e // 8) % 8) + 7 - e % 8)
    return mask


@range_kernel(lambda code, columns, n_events, registers: (registers.shape[1] + BLOCK_WORDS - 1) // BLOCK_WORDS,
              min_per_piece=2)
def _run_program(begin, end, code, columns, n_events, registers):
    n_words = registers.shape[1]
    last_word = n_words - 1
    valid = _valid_bits(n_events, last_word)
    flags = np.zeros(64 * BLOCK_WORDS, dtype=np.uint8)
    flag_words = flags.view(np.uint64)
    for blk in range(begin, end):
        w0 = blk * BLOCK_WORDS
        w1 = min(n_words, w0 + BLOCK_WORDS)
        for k in range(code.shape[0]):
            op, a, b, out = code[k, 0], code[k, 1], code[k, 2], code[k, 3]
            if op <= OP_OUT:
                _compare(op == OP_IN, columns[a], b, code[k, 4], 64 * w0, min(n_events, 64 * w1), flags)
                for w in range(w0, w1):
                    word = np.uint64(0)
                    for q in range(8):
                        byte = (flag_words[ix(8 * (w - w0) + q)] * PACK_MULTIPLIER) >> np.uint64(56)
                        word |= byte << np.uint64(8 * q)
                    registers[ix(out), ix(w)] = word
            elif op == OP_NOT or op == OP_COPY:
                flip = ~np.uint64(0) if op == OP_NOT else np.uint64(0)
                for w in range(np.uint64(w0), np.uint64(w1)):
                    registers[ix(out), w] = registers[ix(a), w] ^ flip
                if b == 1 and w1 == n_words:
                    registers[ix(out), ix(last_word)] &= valid
            elif op == OP_AND:
                for w in range(np.uint64(w0), np.uint64(w1)):
                    registers[ix(out), w] = registers[ix(a), w] & registers[ix(b), w]
            elif op == OP_OR:
                for w in range(np.uint64(w0), np.uint64(w1)):
                    registers[ix(out), w] = registers[ix(a), w] | registers[ix(b), w]
            else:
                fill = ~np.uint64(0) if op == OP_ONES else np.uint64(0)
                for w in range(np.uint64(w0), np.uint64(w1)):
                    registers[ix(out), w] = fill
                if w1 == n_words:
                    registers[ix(out), ix(last_word)] &= valid
