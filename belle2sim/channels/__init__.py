"""Channel registry: a channel = generator + parameters + the analyses it stands for.

Each channel module defines one :class:`Channel`; ``get(name)`` finds it, ``available()`` lists
them. Parameters carry their unit in the name and are checked before any event is generated.

An :class:`Analysis` is one published search (or the ``generic`` simplified selection): the
trigger its paper used (logic over menu lines and input bits, with its source), the
trigger-calibration period of its data, its cut list in the paper's order and words, and what
it leaves out (``not_modelled``: multivariate stages, cuts optimised per mass and not
published). A channel's first analysis is its default (the newest paper).
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
    choices: tuple = None        # the only values allowed (e.g. (0, 1) for a switch)
    maximum: float = None        # largest allowed value
    integer: bool = False        # a count: whole numbers only

    def check(self, value):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"parameter {self.name}: {value!r} is not a number") from None
        if not math.isfinite(value):
            raise ParameterError(f"parameter {self.name}: {value} is not a finite number")
        if self.integer and value != int(value):
            raise ParameterError(f"parameter {self.name}: {value:g} is not a whole number")
        if self.maximum is not None and value > self.maximum:
            raise ParameterError(f"parameter {self.name}: {value:g} is out of range (must be <= {self.maximum:g})")
        if self.choices is not None and value not in self.choices:
            raise ParameterError(f"parameter {self.name}: {value:g} is not one of "
                                 f"{', '.join(f'{c:g}' for c in self.choices)}")
        if value < self.minimum or (self.strictly_positive and value <= 0):
            bound = "> 0" if self.strictly_positive else f">= {self.minimum}"
            raise ParameterError(f"parameter {self.name}: {value} is out of range (must be {bound})")
        return value


@dataclass(frozen=True)
class Analysis:
    key: str                    # arXiv id of the paper, or "generic"
    title: str
    trigger: str                # logic over menu lines (after prescale) and input bits; "any" = OR
    trigger_source: str         # where the paper states its trigger
    select: Callable            # (batch, chunk, card, params) -> {cut name: bool array}, in order
    period: str = None          # trigger-calibration period of the data (None: card default)
    not_modelled: tuple = ()    # what the paper does that this selection leaves out
    parameters: tuple = ()      # selection parameters of this analysis
    window: str = ""            # how the signal window is defined
    needs_generator_layout: bool = False  # selects truth-matched candidates by the generator's slots


@dataclass
class Channel:
    name: str
    description: str
    reference: str
    parameters: tuple
    generate: Callable          # (seed, first_event, n, params, card) -> EventBatch
    cross_section_fb: Callable  # (params, card) -> float
    analyses: tuple             # Analysis objects; the first is the default
    check: Callable = None      # (params, card) -> None, raises ParameterError
    branching_fraction: Callable = field(default=lambda params, card: 1.0)
    scan_parameter: str = "mass_GeV"
    default_scan: tuple = (0.5, 2.0, 4.0, 6.0, 8.0)  # masses (GeV) when --mass is not given
    long_lived_pdg: int = None  # |pdg| of the particle that decays in flight (propagation.py)
    ctau_cm: Callable = None    # (params, card) -> its proper decay length from the model (cm)
    other_long_lived: Callable = None  # (params, card) -> ((pdg, c tau cm), ...) decayed at their own c tau
    cross_section_note: str = None  # what cross_section_fb is, when it is not a Born cross section
    # its generator compiles for longer than the trigger (the matrix-element generators, ~10 s):
    # a first run's helper process then compiles the detector kernels too (belle2sim/warmup.py)
    slow_generator_compile: bool = False

    def analysis(self, key=None):
        """The analysis ``key`` (arXiv id or 'generic'); None: the default (newest) one."""
        if key is None:
            return self.analyses[0]
        for a in self.analyses:
            if a.key == key:
                return a
        raise ParameterError(f"channel {self.name} has no analysis '{key}' "
                             f"(analyses: {', '.join(a.key for a in self.analyses)})")

    def select(self, batch, chunk, card, params, analysis=None):
        """The cut flow of an analysis (default: the channel's default analysis)."""
        return self.analysis(analysis).select(batch, chunk, card, params)

    def all_parameters(self, analysis=None):
        return tuple(self.parameters) + tuple(self.analysis(analysis).parameters)

    def resolve_parameters(self, overrides, card, analysis=None):
        """Defaults updated with ``overrides`` (name -> value), each checked."""
        every = self.all_parameters(analysis)
        known = {p.name: p for p in every}
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise ParameterError(f"channel {self.name} has no parameter {', '.join(unknown)} "
                                 f"(parameters: {', '.join(known)})")
        params = {p.name: p.default for p in every}
        for name, value in overrides.items():
            params[name] = known[name].check(value)
        if self.check:
            self.check(params, card)
        return params

    def cross_section_kind(self, params):
        """What ``cross_section_fb`` is: the Born cross section at the nominal sqrt(s), unless the
        channel says otherwise."""
        if self.cross_section_note:
            return self.cross_section_note
        if params.get("isr"):
            return ("Born at the nominal sqrt(s); initial-state radiation (structure function) shapes the "
                    "events, its correction to the rate is not applied")
        return "Born at the nominal sqrt(s), no initial-state radiation"

    def couplings(self, params):
        return {p.name: params[p.name] for p in self.parameters if p.coupling}

    def phase_space(self, params):
        """What was generated: the cuts of the generation, or the statement that there were none."""
        cuts = {p.name: params[p.name] for p in self.parameters if p.phase_space}
        return cuts or {"generated": "full phase space"}


ISR = Parameter("isr", 1.0, "initial-state radiation: 1 on (structure function, generators/isr.py), 0 off",
                choices=(0.0, 1.0))

_REGISTRY = {}


def register(channel):
    _REGISTRY[channel.name] = channel
    return channel


def _load_all():
    from belle2sim.channels import (  # noqa: F401
        alp_photons, alp_tautau, b_to_k_alp, b_to_k_scalar, dark_higgs, idm_dark_higgs, dark_photon_invisible, lepton_pair_boson, tau_channels,
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
