"""Which menu and card numbers each input bit reads: ``belle2sim menu --explain NAME``.

Keys are dotted paths: ``inputs.*`` in the menu, ``card:*`` in the detector card (the
trigger-object calibration is ``card:trigger_calibration.periods.<period>.*``).
"""

from belle2sim.trigger import logic

_ESUM = ["card:ecl_trigger.tc_threshold_GeV", "inputs.ecl.theta_ids.energy_sum",
         "card:trigger_calibration.periods.{period}.energy_sum_efficiency"]
_BHABHA = ["inputs.ecl.bhabha_veto_dphi_min_deg", "inputs.ecl.bhabha_veto_theta_sum_deg",
           "inputs.ecl.bhabha_veto_cm_energy_GeV"]
_TRACK = ["inputs.cdc.t2_min_pt_GeV", "inputs.cdc.t2_min_axial_superlayers", "card:cdc.wire_z_extent_cm",
          "card:cdc.axial_superlayer_radius_cm", "card:trigger_calibration.periods.{period}.track_efficiency",
          "card:trigger_calibration.periods.{period}.track_turn_on_pt_GeV"]
_LML = ["inputs.ecl.lml_lab_energy_GeV", "inputs.ecl.lml_cm_energy_GeV", "card:ecl_trigger.tc_threshold_GeV"]
_KLM = ["card:klm.barrel_theta_deg", "card:klm.forward_endcap_theta_deg", "card:klm.backward_endcap_theta_deg",
        "card:klm.barrel_min_pt_GeV", "card:klm.muon_min_momentum_GeV", "card:klm.pion_klm_hit_probability"]

BIT_PARAMETERS = {
    "elow": ["inputs.ecl.elow_threshold_GeV"] + _ESUM,
    "ehigh": ["inputs.ecl.ehigh_threshold_GeV"] + _ESUM,
    "elum": ["inputs.ecl.elum_threshold_GeV"] + _ESUM,
    "clst": ["inputs.ecl.theta_ids.icn", "card:ecl_trigger.tc_threshold_GeV", "card:ecl_trigger.phi_offset_deg"],
    "ecl_3dbha": _BHABHA, "bha_veto": _BHABHA,
    "ecl_mumu": ["inputs.ecl.mumu_dphi_min_deg", "inputs.ecl.mumu_theta_sum_deg", "inputs.ecl.mumu_max_cm_energy_GeV"],
    "bha_intrk": ["inputs.ecl.theta_ids.bha_intrk"] + _BHABHA,
    "lml0": _LML + _BHABHA, "lml1": _LML + ["inputs.ecl.theta_ids.lml1"],
    "lml2": _LML + ["inputs.ecl.theta_ids.lml2"] + _BHABHA, "lml3": _LML + ["inputs.ecl.theta_ids.lml2"] + _BHABHA,
    "lml4": _LML + ["inputs.ecl.theta_ids.lml4"] + _BHABHA, "lml5": _LML + ["inputs.ecl.theta_ids.lml4"] + _BHABHA,
    "lml6": _LML + ["inputs.ecl.theta_ids.lml6"], "lml7": _LML + ["inputs.ecl.theta_ids.lml7"],
    "lml8": _LML + ["inputs.ecl.lml8_dphi_min_deg"], "lml9": _LML + ["inputs.ecl.lml8_dphi_min_deg"],
    "lml10": _LML + ["inputs.ecl.lml10_dphi_min_deg", "inputs.ecl.lml10_theta_sum_deg"], "lml11": _LML,
    "lml12": _LML + ["inputs.ecl.theta_ids.lml12"] + _BHABHA, "lml13": _LML + ["inputs.ecl.theta_ids.lml13"],
    "t2": _TRACK, "track": _TRACK,
    "t3": _TRACK + ["inputs.cdc.t3_z0_cut_cm", "inputs.cdc.t3_z0_resolution_cm"],
    "ty": _TRACK + ["inputs.cdc.ty_z0_cut_cm", "inputs.cdc.ty_z0_resolution_cm"],
    "typ": _TRACK + ["inputs.cdc.typ_z0_cut_cm", "inputs.cdc.ty_z0_resolution_cm", "inputs.cdc.typ_min_momentum_GeV",
                     "inputs.cdc.typ_omega_bin_per_m", "inputs.cdc.typ_theta_bin_rad"],
    "cdc_open90": _TRACK + ["inputs.cdc.phi_bin_deg", "inputs.cdc.open90_bins"],
    "f2f30": _TRACK + ["inputs.cdc.phi_bin_deg", "inputs.cdc.f2f30_bins"],
    "cdc_b2b5": _TRACK + ["inputs.cdc.phi_bin_deg", "inputs.cdc.b2b5_bins"],
    "t2b": _TRACK + ["inputs.cdc.restricted_theta_deg"],
    "t2b_open90": _TRACK + ["inputs.cdc.restricted_theta_deg", "inputs.cdc.phi_bin_deg", "inputs.cdc.open90_bins"],
    "t2b_open30": _TRACK + ["inputs.cdc.restricted_theta_deg", "inputs.cdc.phi_bin_deg", "inputs.cdc.f2f30_bins"],
    "cdcecl": _TRACK + ["inputs.grl.cdcecl_cluster_theta_deg", "card:ecl_trigger.tc_threshold_GeV"],
    "c2gev": _TRACK + ["inputs.grl.cdcecl_cluster_theta_deg", "inputs.grl.c2gev_energy_GeV"],
    "cdcklm": _TRACK + _KLM + ["card:trigger_calibration.periods.{period}.klm_match_efficiency",
                               "card:trigger_calibration.periods.{period}.klm_match_theta_deg"],
    "klm": _KLM, "eklm": _KLM, "klm_hit": _KLM, "eklm_hit": _KLM, "klmb2b": _KLM, "eklmb2b": _KLM,
    "d5": ["inputs.grl.phi_bin_deg", "inputs.grl.d5_bins", "card:ecl_trigger.phi_offset_deg"],
    "p5": _TRACK + ["inputs.grl.phi_bin_deg", "inputs.grl.p5_bins", "inputs.grl.ecl_face_radius_cm"],
    "samhem": _TRACK + ["inputs.cdc.t3_z0_cut_cm", "inputs.grl.hemisphere_dphi_deg"],
    "opohem": _TRACK + ["inputs.cdc.t3_z0_cut_cm", "inputs.grl.hemisphere_dphi_deg"],
    "trkbha": _TRACK + ["inputs.grl.track_bhabha_min_pt_GeV"] + _BHABHA,
    "veto": [],
}


def _lookup(doc, dotted):
    node = doc
    source = doc.get("source") if isinstance(doc, dict) else None
    for part in dotted.split("."):
        if isinstance(node, dict) and "source" in node:
            source = node["source"]
        node = node[part]
    return node, source


def explain(name, menu, card, period=None):
    """Lines of text: what ``name`` (a line or an input bit) computes and every number it reads."""
    period = card.resolve_period(period)
    out = []
    if name in menu.lines:
        line = menu.lines[name]
        body = menu.doc["lines"][name]
        out += [f"line {name}: {line.logic}   (prescale {line.prescale})"]
        if "description" in body:
            out.append(f"  {body['description']}")
        bits = sorted(logic.names(line.ast))
    elif name in BIT_PARAMETERS:
        bits = [name]
    else:
        from belle2sim.errors import MenuError

        raise MenuError(f"'{name}' is neither a line of {menu.path.name} nor an input bit "
                        f"(lines: {', '.join(menu.lines)}; bits: {', '.join(BIT_PARAMETERS)})")
    for bit in bits:
        out.append(f"input bit {bit}:" + ("  (never set in simulation: the injection veto)" if bit == "veto" else ""))
        for key in BIT_PARAMETERS.get(bit, []):
            key = key.format(period=period)
            where, doc = ("card", card.doc) if key.startswith("card:") else ("menu", menu.doc)
            value, source = _lookup(doc, key.removeprefix("card:"))
            out.append(f"    {where} {key.removeprefix('card:'):<58} = {value}")
            out.append(f"        source: {source}")
    return out
