"""Load and validate a detector card (geometry/*.toml).

The card is data: every number the detector kernels use comes from it, each table with its
``source``. Loading validates the whole file against :data:`SCHEMA` (unknown, missing, mistyped
or wrong-unit keys, empty or overlapping ranges) and raises :class:`CardError` naming the file,
the key and the problem. The kernels never see the TOML: :class:`DetectorCard` packs the numbers
into plain arrays.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from belle2sim import resources
from belle2sim.beams import Beams
from belle2sim.errors import CardError
from belle2sim.schema import (
    Spec, integer, integers, interval, intervals, number, numbers, positive, read_toml, text, validate, z_table,
)

_RESOLUTION = {
    "source": text(),
    "forward": numbers(4),
    "barrel": numbers(4),
    "backward": numbers(4),
    "min_energy_GeV": numbers(3, each=positive()),
}

_INCREASING = Spec("an increasing list of numbers >= 0", lambda v: numbers(each=number(0.0))(v) or (
    None if len(v) >= 2 and all(a < b for a, b in zip(v, v[1:])) else f"need >= 2 increasing values, got {v}"))

SCHEMA = {
    "card": {"name": text(), "version": text(), "description": text()},
    "beams": {
        "source": text(),
        "her_energy_GeV": positive(),
        "ler_energy_GeV": positive(),
        "her_angle_rad": number(-0.5, 0.5),
        "ler_angle_rad": number(-0.5, 0.5),
        "her_energy_spread_GeV": number(0.0),
        "ler_energy_spread_GeV": number(0.0),
        "beamspot_sigma_x_cm": number(0.0),
        "beamspot_sigma_y_cm": number(0.0),
        "beamspot_sigma_z_cm": number(0.0),
    },
    "ecl": {
        "source": text(),
        "forward_theta_deg": interval(0.0, 180.0),
        "barrel_theta_deg": interval(0.0, 180.0),
        "backward_theta_deg": interval(0.0, 180.0),
        "cluster_min_energy_GeV": number(0.0),
        "merge_angle_rad": number(0.0),
        "energy_resolution": _RESOLUTION,
        "theta_resolution": _RESOLUTION,
        "phi_resolution": _RESOLUTION,
    },
    "cdc": {
        "source": text(),
        "magnetic_field_T": positive(),
        "axial_superlayer_radius_cm": numbers(5, each=positive()),
        "wire_z_extent_cm": z_table(),
    },
    "tracking": {
        "source": text(),
        "polar_acceptance_deg": interval(0.0, 180.0),
        "min_pt_GeV": number(0.0),
        "finding_efficiency": number(0.0, 1.0),
        "full_efficiency_pt_GeV": positive(),
        "pt_resolution": numbers(2, each=number(0.0)),
        "theta_resolution_rad": number(0.0),
        "phi_resolution_rad": number(0.0),
        "d0_resolution_cm": number(0.0),
        "z0_resolution_cm": number(0.0),
    },
    "displaced": {
        "source": text(),
        "vxd_outer_radius_cm": positive(),
        "cdc_outer_radius_cm": positive(),
        "min_axial_superlayers": integer(1),
        "efficiency_radius_cm": _INCREASING,
        "relative_efficiency": numbers(each=number(0.0, 1.0)),
        "cdc_only_d0_resolution_cm": number(0.0),
        "cdc_only_z0_resolution_cm": number(0.0),
        "vertex_min_radius_cm": number(0.0),
        "vertex_radius_cm": _INCREASING,
        "vertex_efficiency": numbers(each=number(0.0, 1.0)),
        "vertex_radius_resolution_cm": numbers(2, each=number(0.0)),
    },
    "ecl_charged": {
        "source": text(),
        "barrel_radius_cm": positive(),
        "forward_endcap_z_cm": positive(),
        "backward_endcap_z_cm": number(maximum=0.0),
        "mip_energy_GeV": number(0.0),
        "mip_energy_spread": number(0.0),
        "hadron_interaction_lengths": number(0.0),
        "hadron_shower_fraction": interval(0.0, 1.0),
    },
    "klm": {
        "source": text(),
        "barrel_theta_deg": interval(0.0, 180.0),
        "forward_endcap_theta_deg": interval(0.0, 180.0),
        "backward_endcap_theta_deg": interval(0.0, 180.0),
        "barrel_min_pt_GeV": number(0.0),
        "muon_min_momentum_GeV": number(0.0),
        "muon_efficiency": number(0.0, 1.0),
        "pion_fake_rate": number(0.0, 1.0),
        "pion_klm_hit_probability": number(0.0, 1.0),
    },
    "electron_id": {
        "source": text(),
        "efficiency": number(0.0, 1.0),
        "pion_fake_rate": number(0.0, 1.0),
        "min_momentum_GeV": number(0.0),
        "e_over_p_window": interval(0.0),
    },
    "ecl_trigger": {
        "source": text(),
        "theta_ring_edges_deg": intervals(17, 0.0, 180.0),
        "phi_segments": integers(17, minimum=1),
        "tc_threshold_GeV": number(0.0),
        "phi_offset_deg": numbers(17, each=number(-180.0, 180.0)),
    },
}
_PERIOD = {
    "source": text(),
    "track_efficiency": number(0.0, 1.0),
    "track_turn_on_pt_GeV": interval(0.0),
    "energy_sum_efficiency": number(0.0, 1.0),
    "klm_match_efficiency": number(0.0, 1.0),
    "klm_match_theta_deg": interval(0.0, 180.0),
}

REGIONS = ("forward", "barrel", "backward")


@dataclass
class DetectorCard:
    """A validated card: the raw document plus the arrays the kernels take."""

    path: Path
    sha256: str
    doc: dict
    beams: Beams = field(init=False)

    def __post_init__(self):
        self.beams = Beams.from_card(self.doc)
        self._packed = {}

    def _cached(self, key, make):
        """Packed arrays are built once per card (they are read for every chunk)."""
        if key not in self._packed:
            self._packed[key] = make()
        return self._packed[key]

    @property
    def name(self):
        return self.doc["card"]["name"]

    # --- ECL -------------------------------------------------------------------------------
    def ecl_region_theta_rad(self):
        """(3, 2) polar ranges of the forward endcap, barrel, backward endcap (rad)."""
        e = self.doc["ecl"]
        return self._cached("regions", lambda: np.radians([e[f"{r}_theta_deg"] for r in REGIONS]))

    def ecl_resolution(self, quantity):
        """(3, 5) per region: a, b, c, d, min_energy_GeV for quantity energy/theta/phi."""
        t = self.doc["ecl"][f"{quantity}_resolution"]
        return self._cached(f"res_{quantity}", lambda: np.array(
            [list(t[r]) + [t["min_energy_GeV"][i]] for i, r in enumerate(REGIONS)]))

    # --- CDC -------------------------------------------------------------------------------
    def cdc_geometry(self):
        """Packed CDC numbers: [B_T, n_rows, then n_rows x (r, z_low, z_high)] (cm)."""
        c = self.doc["cdc"]
        table = c["wire_z_extent_cm"]
        return self._cached("cdc", lambda: np.array(
            [c["magnetic_field_T"], len(table)] + [x for row in table for x in row], dtype=np.float64))

    def cdc_axial_radii_cm(self):
        return self._cached("axial", lambda: np.array(self.doc["cdc"]["axial_superlayer_radius_cm"],
                                                      dtype=np.float64))

    def tc_theta_edges_rad(self):
        return self._cached("tc_edges", lambda: np.radians(self.doc["ecl_trigger"]["theta_ring_edges_deg"]))

    def tc_phi_segments(self):
        return self._cached("tc_segments", lambda: np.array(self.doc["ecl_trigger"]["phi_segments"],
                                                            dtype=np.int64))

    def tc_phi_offsets_rad(self):
        return self._cached("tc_phi_offsets", lambda: np.radians(self.doc["ecl_trigger"]["phi_offset_deg"]))

    # --- trigger-object calibration ---------------------------------------------------------
    def resolve_period(self, period=None):
        """The name of a calibration period (None: the card's default); unknown names are errors."""
        cal = self.doc["trigger_calibration"]
        name = cal["default_period"] if period is None else str(period)
        if name not in cal["periods"]:
            raise CardError(f"{self.path}: no trigger-calibration period '{name}' "
                            f"(periods: {', '.join(cal['periods'])})")
        return name

    def trigger_calibration(self, period=None):
        """Packed [track eff, turn-on pT lo, hi, energy-sum eff, KLM-match eff, theta lo, hi (rad)]."""
        name = self.resolve_period(period)
        c = self.doc["trigger_calibration"]["periods"][name]
        return self._cached(f"calib_{name}", lambda: np.array([
            c["track_efficiency"], *c["track_turn_on_pt_GeV"], c["energy_sum_efficiency"],
            c["klm_match_efficiency"], *np.radians(c["klm_match_theta_deg"])], dtype=np.float64))

    # --- charged particles -------------------------------------------------------------------
    def tracking_params(self):
        """[pt_min, eff, pt_full, a, b, sig_theta, sig_phi, sig_d0, sig_z0, theta_lo, theta_hi, B]."""
        t = self.doc["tracking"]
        return self._cached("tracking", lambda: np.array([
            t["min_pt_GeV"], t["finding_efficiency"], t["full_efficiency_pt_GeV"], *t["pt_resolution"],
            t["theta_resolution_rad"], t["phi_resolution_rad"], t["d0_resolution_cm"],
            t["z0_resolution_cm"], *np.radians(t["polar_acceptance_deg"]), self.doc["cdc"]["magnetic_field_T"]]))

    def displaced_params(self):
        """[vxd_r, cdc_r, min_axial_SL, sig_d0, sig_z0, vtx_min_r, vtx_sig_in, vtx_sig_out, n, r_1..r_n,
        eff_1..eff_n, m, vr_1..vr_m, veff_1..veff_m]: the displaced-track and vertex numbers."""
        d = self.doc["displaced"]
        return self._cached("displaced", lambda: np.array([
            d["vxd_outer_radius_cm"], d["cdc_outer_radius_cm"], d["min_axial_superlayers"],
            d["cdc_only_d0_resolution_cm"], d["cdc_only_z0_resolution_cm"], d["vertex_min_radius_cm"],
            *d["vertex_radius_resolution_cm"], len(d["efficiency_radius_cm"]), *d["efficiency_radius_cm"],
            *d["relative_efficiency"], len(d["vertex_radius_cm"]), *d["vertex_radius_cm"],
            *d["vertex_efficiency"]], dtype=np.float64))

    def ecl_charged_params(self):
        """[r_barrel, z_fwd, z_bwd, mip_E, mip_spread, p_interact, f_lo, f_hi, B]."""
        c = self.doc["ecl_charged"]
        return self._cached("ecl_charged", lambda: np.array([
            c["barrel_radius_cm"], c["forward_endcap_z_cm"], c["backward_endcap_z_cm"],
            c["mip_energy_GeV"], c["mip_energy_spread"],
            1.0 - np.exp(-c["hadron_interaction_lengths"]), *c["hadron_shower_fraction"],
            self.doc["cdc"]["magnetic_field_T"]]))

    def pid_params(self):
        """[klm barrel lo, hi, fwd lo, hi, bwd lo, hi (rad), barrel pT min, mu p min, mu eff,
        pi fake, pi KLM hit, e eff, e pi fake, e p min, E/p lo, E/p hi]."""
        k, e = self.doc["klm"], self.doc["electron_id"]
        return self._cached("pid", lambda: np.array([
            *np.radians(k["barrel_theta_deg"]), *np.radians(k["forward_endcap_theta_deg"]),
            *np.radians(k["backward_endcap_theta_deg"]), k["barrel_min_pt_GeV"],
            k["muon_min_momentum_GeV"], k["muon_efficiency"], k["pion_fake_rate"],
            k["pion_klm_hit_probability"], e["efficiency"], e["pion_fake_rate"], e["min_momentum_GeV"],
            *e["e_over_p_window"]]))

    def cached(self, key, make):
        """Cache derived arrays (e.g. trigger look-up tables) on the card."""
        return self._cached(key, make)


def _check_calibration(doc, where):
    """[trigger_calibration]: a source, a default_period, and periods with the _PERIOD keys."""
    cal = doc.get("trigger_calibration")
    if not isinstance(cal, dict):
        raise CardError(f"{where}: missing table [trigger_calibration]")
    periods = cal.get("periods")
    if not isinstance(periods, dict) or not periods:
        raise CardError(f"{where}: [trigger_calibration] needs at least one [trigger_calibration.periods.NAME]")
    validate({k: v for k, v in cal.items() if k != "periods"}, {"source": text(), "default_period": text()},
             where, CardError, path="trigger_calibration.")
    for name, body in periods.items():
        if not isinstance(body, dict):
            raise CardError(f"{where}: 'trigger_calibration.periods.{name}' must be a table")
        validate(body, _PERIOD, where, CardError, path=f"trigger_calibration.periods.{name}.")
    if cal["default_period"] not in periods:
        raise CardError(f"{where}: key 'trigger_calibration.default_period': '{cal['default_period']}' is not "
                        f"one of the periods ({', '.join(periods)})")


def _check_resolutions(card):
    """Each ECL resolution must be positive wherever it is used: from its clamp energy up to the
    largest photon energy at Belle II (about 10 GeV). Evaluated with the kernels' own formula."""
    from belle2sim.detector.ecl import resolution

    for quantity in ("energy", "theta", "phi"):
        params = card.ecl_resolution(quantity)
        for k, region in enumerate(REGIONS):
            for e in np.geomspace(params[k, 4], 10.0, 200):
                # the compiled helper, not its py_func: this is a process's first numba call, which
                # sets numba's typing up here, in the main thread, before threads taking chunks
                # call their first kernels at once (with the py_func a cold-cache run failed to
                # type np.sqrt in a kernel first called by several threads; _jit.run_range now
                # makes a kernel's first call in one thread too)
                value = resolution(params, k + 1, e)
                if value <= 0:
                    raise CardError(f"{card.path}: key 'ecl.{quantity}_resolution.{region}' "
                                    f"{card.doc['ecl'][f'{quantity}_resolution'][region]} gives a resolution "
                                    f"{value:.3g} <= 0 at E = {e:.3g} GeV: a resolution must be positive")


def _check_consistency(doc, where):
    e = doc["ecl"]
    ranges = [e[f"{r}_theta_deg"] for r in REGIONS]
    for (a, ra), (b, rb) in zip(zip(REGIONS, ranges), zip(REGIONS[1:], ranges[1:])):
        if ra[1] > rb[0]:
            raise CardError(f"{where}: key 'ecl.{a}_theta_deg' {ra} overlaps 'ecl.{b}_theta_deg' {rb}")
    rings = doc["ecl_trigger"]["theta_ring_edges_deg"]
    for i, ring in enumerate(rings):
        inside = any(r[0] - 1e-9 <= ring[0] and ring[1] <= r[1] + 1e-9 for r in ranges)
        if not inside:
            raise CardError(f"{where}: key 'ecl_trigger.theta_ring_edges_deg': ring {i + 1} {ring} "
                            f"is not inside one ECL region {ranges}")
    d = doc["displaced"]
    for radii, values in (("efficiency_radius_cm", "relative_efficiency"), ("vertex_radius_cm", "vertex_efficiency")):
        if len(d[radii]) != len(d[values]):
            raise CardError(f"{where}: keys 'displaced.{radii}' ({len(d[radii])} values) and "
                            f"'displaced.{values}' ({len(d[values])} values) must have the same length")


def load_card(path_or_name=None):
    """Load, validate and pack a detector card (a path, or the name of a shipped card)."""
    path = resources.resolve("geometry", path_or_name, must_exist=True)
    doc, sha = read_toml(path, CardError)
    validate({k: v for k, v in doc.items() if k != "trigger_calibration"}, SCHEMA, str(path), CardError)
    _check_calibration(doc, str(path))
    _check_consistency(doc, str(path))
    card = DetectorCard(path=path, sha256=sha, doc=doc)
    _check_resolutions(card)
    return card
