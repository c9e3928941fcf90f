"""Counter-based random numbers.

Every random number is a pure function of (seed, event number, stage, counter): a SplitMix64
hash (Steele, Lea & Flood, OOPSLA 2014) of the combined key. There is no stream to advance, so
results are identical whatever the chunk size, the thread count or the number of workers, and an
event can be re-simulated on its own from its number.

Stages separate independent uses of randomness within one event (beam energies, generator,
ECL response, ...); counters number the draws inside a stage.
"""

import numpy as np

from belle2sim._jit import inline

# Stages: one per independent consumer of randomness in an event.
STAGE_BEAM = 1
STAGE_GENERATOR = 2
STAGE_DECAY = 3
STAGE_ECL = 4
STAGE_TRACKS = 5
STAGE_KLM = 6
STAGE_PRESCALE = 7
STAGE_SELECTION = 8

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


@inline
def event_key(seed, event_number, stage):
    """The key of one (seed, event, stage): all draws of that stage derive from it."""
    k = mix64(np.uint64(seed))
    k = mix64(k ^ np.uint64(event_number))
    return mix64(k ^ np.uint64(stage))


@inline
def uniform(key, counter):
    """Uniform double in the open interval (0, 1) for draw number ``counter`` of ``key``."""
    bits = mix64(key ^ mix64(np.uint64(counter)))
    return ((bits >> _S11) + 0.5) * _INV53


@inline
def normal(key, counter):
    """Standard normal draw (Box-Muller); uses draws 2*counter and 2*counter + 1."""
    u1 = uniform(key, 2 * counter)
    u2 = uniform(key, 2 * counter + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
