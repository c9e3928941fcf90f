"""belle2sim: fast parametric simulation of Belle II and its Level-1 trigger.

Importing the package is cheap: numba kernels compile (or load from cache) only when a
simulation step is first used, so ``belle2sim --version`` starts in well under a second.
"""

from belle2sim._version import __version__

__all__ = ["__version__"]
