"""Counter-based random numbers.

Every random number is a pure function of (seed, event number, stage, counter): a SplitMix64
hash (Steele, Lea & Flood, OOPSLA 2014) of the combined key. There is no stream to advance, so
results are identical whatever the chunk size, the thread count or the number of workers, and an
event can be re-simulated on its own from its number.

Stages separate independent uses of randomness within one event (beam energies, generator,
ECL response, ...); counters number the draws inside a stage.

Normal deviates use the ziggurat method (Marsaglia & Tsang, J. Stat. Softw. 5 (2000) 8; 128
layers): one hash and two table look-ups in 97.2 % of draws, no transcendental functions. Its rare
slow-path draws derive from the same counter, so determinism is kept.

A draw hashes its counter, then the key with it; the counters' hashes of draws 0..1023 (most draws:
a few per particle of an event) are read from tables made once, the same numbers one multiply
chain shorter (all kernels per four-muon event 1059 -> 1034 ns, q qbar 4176 -> 4064). Vector loops
(``normal_lanes``) hash the counter themselves: a gather per lane would cost them more.
"""

import numpy as np

from belle2sim._jit import inline, ix

# Stages: one per independent consumer of randomness in an event.
STAGE_BEAM = 1
STAGE_GENERATOR = 2
STAGE_DECAY = 3
STAGE_ECL = 4
STAGE_TRACKS = 5
STAGE_KLM = 6
STAGE_PRESCALE = 7
STAGE_SELECTION = 8
STAGE_TRIGGER = 9
STAGE_ISR = 10
STAGE_VERTEX = 11
STAGE_THREE_BODY = 12

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@inline
def mix64(x):
    """SplitMix64 finaliser: a bijective avalanche of a 64-bit word."""
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


MIXED_COUNTERS = 1024  # draws 0..1023 of a key: their counters' hashes from tables (8 kB each)


# made by mix64's own Python function on uint64 arrays (NumPy's array products wrap around as the
# kernel's do)
_COUNTER = np.arange(MIXED_COUNTERS, dtype=np.uint64)
_UNIFORM_MIXED = mix64.py_func(_COUNTER)  # mix64(counter), uniform's
_NORMAL_MIXED = mix64.py_func(_COUNTER ^ _GOLDEN)  # mix64(counter ^ golden), normal's


@inline
def _mixed_counter(counter):
    """mix64(counter), read from a table for the small counters of most draws."""
    c = np.uint64(counter)
    return _UNIFORM_MIXED[c] if c < np.uint64(MIXED_COUNTERS) else mix64(c)


@inline
def _normal_counter(counter):
    """mix64(counter ^ golden), read from a table for the small counters of most draws."""
    c = np.uint64(counter)
    return _NORMAL_MIXED[c] if c < np.uint64(MIXED_COUNTERS) else mix64(c ^ _GOLDEN)


@inline
def event_key(seed, event_number, stage):
    """The key of one (seed, event, stage): all draws of that stage derive from it."""
    k = mix64(np.uint64(seed))
    k = mix64(k ^ np.uint64(event_number))
    return mix64(k ^ np.uint64(stage))


@inline
def uniform(key, counter):
    """Uniform double in the open interval (0, 1) for draw number ``counter`` of ``key``."""
    return uniform_mixed(key, _mixed_counter(counter))


@inline
def uniform_mixed(key, mixed_counter):
    """:func:`uniform` with ``mix64(counter)`` already computed (a counter drawn for many keys)."""
    bits = mix64(key ^ mixed_counter)
    return ((bits >> _S11) + 0.5) * _INV53


def _ziggurat_tables():
    """Layer tables for the 128-layer normal ziggurat (Marsaglia & Tsang 2000, setup of RNOR)."""
    m1 = 2147483648.0
    dn = tn = 3.442619855899
    vn = 9.91256303526217e-3
    kn = np.zeros(128, dtype=np.int64)
    wn = np.zeros(128)
    fn = np.zeros(128)
    q = vn / np.exp(-0.5 * dn * dn)
    kn[0] = int((dn / q) * m1)
    kn[1] = 0
    wn[0] = q / m1
    wn[127] = dn / m1
    fn[0] = 1.0
    fn[127] = np.exp(-0.5 * dn * dn)
    for i in range(126, 0, -1):
        dn = np.sqrt(-2.0 * np.log(vn / dn + np.exp(-0.5 * dn * dn)))
        kn[i + 1] = int((dn / tn) * m1)
        tn = dn
        fn[i] = np.exp(-0.5 * dn * dn)
        wn[i] = dn / m1
    return kn, wn, fn


_ZIG_K, _ZIG_W, _ZIG_F = _ziggurat_tables()
_ZIG_R = 3.442619855899
_MASK32 = np.uint64(0xFFFFFFFF)


@inline
def _signed32(bits):
    """The low 32 bits of ``bits`` as a signed integer: one sign extension (v - 2^32 for v >= 2^31
    written out took a compare and two selections: 2.46 -> 2.16 ns per normal draw in a loop)."""
    return np.int64(np.int32(bits))


@inline
def normal(key, counter):
    """Standard normal draw number ``counter`` of ``key`` (ziggurat)."""
    h = mix64(key ^ _normal_counter(counter))
    hz = _signed32(h)
    iz = hz & 127
    if abs(hz) < _ZIG_K[ix(iz)]:  # (unsigned: no wrap-around test, _jit.ix)
        return hz * _ZIG_W[ix(iz)]
    return _normal_slow_path(h, hz, iz)


@inline
def normal_lanes(key, counter):
    """(value, slow) of :func:`normal` with every step a selection, for loops LLVM vectorises:
    where ``slow`` is False, value is normal(key, counter) to the bit; where it is True (the
    ziggurat's rare draws, 2.76 %), the caller takes :func:`normal`."""
    h = mix64(key ^ mix64(np.uint64(counter) ^ _GOLDEN))
    v = np.int64(h & _MASK32)  # (_signed32's number, in selections: no gain from its sign extension here)
    hz = v - 4294967296 if v >= 2147483648 else v
    iz = hz & 127
    return hz * _ZIG_W[ix(iz)], not abs(hz) < _ZIG_K[ix(iz)]


@inline
def _normal_slow_path(h, hz, iz):
    """The ziggurat's rare draws (2.76 %): further hashes of the same counter. A function of its own,
    so that :func:`normal` is small enough for LLVM to inline at every call (three normals in a
    loop: 19 -> 12.5 ns, measured; the same draws)."""
    extra = np.uint64(1)
    while True:
        x = hz * _ZIG_W[iz]
        if iz == 0:
            while True:
                u1 = ((mix64(h + extra * _GOLDEN) >> _S11) + 0.5) * _INV53
                u2 = ((mix64(h + (extra + np.uint64(1)) * _GOLDEN) >> _S11) + 0.5) * _INV53
                extra += np.uint64(2)
                x = -np.log(u1) / _ZIG_R
                y = -np.log(u2)
                if y + y >= x * x:
                    break
            return _ZIG_R + x if hz > 0 else -_ZIG_R - x
        u = ((mix64(h + extra * _GOLDEN) >> _S11) + 0.5) * _INV53
        extra += np.uint64(1)
        if _ZIG_F[iz] + u * (_ZIG_F[iz - 1] - _ZIG_F[iz]) < np.exp(-0.5 * x * x):
            return x
        h = mix64(h + extra * _GOLDEN)
        extra += np.uint64(1)
        hz = _signed32(h)
        iz = hz & 127
        if abs(hz) < _ZIG_K[iz]:
            return hz * _ZIG_W[iz]
