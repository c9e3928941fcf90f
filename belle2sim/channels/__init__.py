"""Channel registry: a channel = generator + parameters + offline selection.

Each channel module defines one :class:`Channel`; ``get(name)`` finds it, ``available()`` lists
them. Parameters carry their unit in the name and are checked before any event is generated.
"""

import math
from dataclasses import dataclass, field
from typing import Callable

from belle2sim.errors import ParameterError, UnknownChannelError


@dataclass(frozen=True)
class Parameter:
    name: str
    default: float
    description: str
    minimum: float = 0.0
    strictly_positive: bool = False
    coupling: bool = False       # reported under "coupling" (cross sections scale with it)
    phase_space: bool = False    # reported under "phase_space" (defines what was generated)

    def check(self, value):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"parameter {self.name}: {value!r} is not a number") from None
        if not math.isfinite(value):
            raise ParameterError(f"parameter {self.name}: {value} is not a finite number")
        if value < self.minimum or (self.strictly_positive and value <= 0):
            bound = "> 0" if self.strictly_positive else f">= {self.minimum}"
            raise ParameterError(f"parameter {self.name}: {value} is out of range (must be {bound})")
        return value


@dataclass
class Channel:
    name: str
    description: str
    reference: str
    parameters: tuple
    generate: Callable          # (seed, first_event, n, params, card) -> EventBatch
    cross_section_fb: Callable  # (params, card) -> float
    select: Callable            # (batch, chunk: ChunkResult, card, params) -> {cut name: bool array}, in order
    check: Callable = None      # (params, card) -> None, raises ParameterError
    branching_fraction: Callable = field(default=lambda params, card: 1.0)
    scan_parameter: str = "mass_GeV"
    default_scan: tuple = (0.5, 2.0, 4.0, 6.0, 8.0)  # masses (GeV) when --mass is not given

    def resolve_parameters(self, overrides, card):
        """Defaults updated with ``overrides`` (name -> value), each checked."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise ParameterError(f"channel {self.name} has no parameter {', '.join(unknown)} "
                                 f"(parameters: {', '.join(known)})")
        params = {p.name: p.default for p in self.parameters}
        for name, value in overrides.items():
            params[name] = known[name].check(value)
        if self.check:
            self.check(params, card)
        return params

    def couplings(self, params):
        return {p.name: params[p.name] for p in self.parameters if p.coupling}

    def phase_space(self, params):
        """What was generated: the cuts of the generation, or the statement that there were none."""
        cuts = {p.name: params[p.name] for p in self.parameters if p.phase_space}
        return cuts or {"generated": "full phase space"}


_REGISTRY = {}


def register(channel):
    _REGISTRY[channel.name] = channel
    return channel


def _load_all():
    from belle2sim.channels import (  # noqa: F401
        dark_higgs, dark_photon_invisible, lepton_pair_boson, tau_channels,
    )


def available():
    _load_all()
    return dict(_REGISTRY)


def get(name):
    _load_all()
    if name not in _REGISTRY:
        raise UnknownChannelError(f"unknown channel '{name}' (available: {', '.join(sorted(_REGISTRY))}; "
                                  f"see 'belle2sim channels')")
    return _REGISTRY[name]
