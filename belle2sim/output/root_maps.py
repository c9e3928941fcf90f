"""Efficiency maps as ROOT histograms (uproot), beside the JSON and CSV.

``-o map.root`` writes, per quantity (``efficiency``, ``selection_efficiency``,
``trigger_efficiency``, ``trigger_efficiency_selected``), a TH1D over mass or, for a mass x c*tau
scan, a TH2D over mass (bins centred on the scanned masses) and log10(c tau / cm) (bins centred on
the scanned values); bin contents are the efficiencies, bin errors their 68 % uncertainties.
"""

import numpy as np

QUANTITIES = {
    "efficiency": "efficiency_err",
    "selection_efficiency": None,
    "trigger_efficiency": "trigger_efficiency_err",
    "trigger_efficiency_selected": "trigger_efficiency_selected_err",
}


def _edges(centres):
    c = np.asarray(sorted(centres), dtype=float)
    if len(c) == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mids = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - (mids[0] - c[0])], mids, [c[-1] + (c[-1] - mids[-1])]])


def histograms(doc):
    """name -> hist.Hist of the scan document."""
    import hist

    points = doc["points"]
    masses = sorted({p["mass_GeV"] for p in points})
    ctaus = sorted({p["ctau_cm"] for p in points if "ctau_cm" in p})
    mass_axis = hist.axis.Variable(_edges(masses), name="mass", label="mass [GeV]")
    axes = [mass_axis]
    if len(ctaus) > 1:
        axes.append(hist.axis.Variable(_edges(np.log10(ctaus)), name="log10_ctau", label="log10(c tau / cm)"))
    out = {}
    for name, err_name in QUANTITIES.items():
        h = hist.Hist(*axes, storage=hist.storage.Weight(), label=f"{doc['channel']} {name}")
        values = np.zeros(h.axes.size)
        variances = np.zeros(h.axes.size)
        for p in points:
            i = masses.index(p["mass_GeV"])
            idx = (i, ctaus.index(p["ctau_cm"])) if len(ctaus) > 1 else (i,)
            v = p[name]
            values[idx] = np.nan if v is None else v
            e = p.get(err_name) if err_name else None
            variances[idx] = 0.0 if e is None else e * e
        h.view().value = values
        h.view().variance = variances
        out[name] = h
    return out


def write_root(doc, path):
    import uproot

    with uproot.recreate(path) as f:
        for name, h in histograms(doc).items():
            f[name] = h
