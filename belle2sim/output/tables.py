"""Scan documents as JSON, CSV (units in the column names) and a terminal table."""

import csv
import io
import json

from belle2sim.output.atomic import write_text

_MAX_LINES_SHOWN = 6


def to_json(doc):
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def to_csv(doc):
    points = doc["points"]
    lines = list(points[0]["lines"]) if points else []
    buf = io.StringIO()
    writer = csv.writer(buf)
    ctau = any("ctau_cm" in p for p in points)
    writer.writerow(["mass_GeV"] + (["ctau_cm", "n_effective"] if ctau else []) + ["n_generated", "efficiency", "efficiency_err", "trigger_efficiency",
                     "trigger_efficiency_selected", "trigger_efficiency_selected_err",
                     "cross_section_fb", "branching_fraction"] + [f"line_{n}_efficiency" for n in lines])
    for p in points:
        writer.writerow([p["mass_GeV"]] + ([f"{p['ctau_cm']:.6g}", f"{p['n_effective']:.6g}"] if ctau else [])
                        + [p["n_generated"], f"{p['efficiency']:.6g}", f"{p['efficiency_err']:.3g}",
                         f"{p['trigger_efficiency']:.6g}", _fmt(p["trigger_efficiency_selected"], ".6g"),
                         _fmt(p["trigger_efficiency_selected_err"], ".3g"), _fmt(p["cross_section_fb"], ".6g"),
                         f"{p['branching_fraction']:.6g}"] + [f"{p['lines'][n]:.6g}" for n in lines])
    return buf.getvalue()


def write(doc, path, outputs=None):
    """Write JSON, CSV or ROOT by the file's suffix (into ``outputs``, an OutputSet, if given)."""
    if str(path).lower().endswith(".root"):
        from belle2sim.output.atomic import atomic_path
        from belle2sim.output.root_maps import write_root

        if outputs is None:
            with atomic_path(path) as tmp:
                write_root(doc, tmp)
        else:
            write_root(doc, outputs.temporary(path))
        return
    text = to_csv(doc) if str(path).lower().endswith(".csv") else to_json(doc)
    if outputs is None:
        write_text(path, text)
    else:
        outputs.temporary(path).write_text(text)


def best_lines(point, n=_MAX_LINES_SHOWN, key="lines"):
    ranked = sorted(point[key].items(), key=lambda kv: -kv[1])
    return [(k, v) for k, v in ranked[:n] if v > 0]


def _fmt(x, spec):
    return format("n/a", spec.split(".")[0]) if x is None else format(x, spec)  # keep the column width


def carrying_lines(point, n=3):
    """The trigger's lines ranked by their efficiency on selected events (the lines that carry
    it), each with what it alone contributes."""
    names = list(point["lines_unique"])
    if point["trigger_efficiency_selected"] is None:
        return "no selected events"
    ranked = sorted(names, key=lambda k: -point["lines_selected"][k])[:n]
    return ", ".join(f"{k} {point['lines_selected'][k]:.3f} (alone {point['lines_unique'][k]:.3f})"
                     for k in ranked)


def terminal_table(doc):
    """A plain-text table of the scan, with the lines that carry the trigger."""
    trig = doc["trigger"]
    out = [f"{doc['channel']}  analysis {doc['analysis']}  (sqrt(s) = {doc['sqrt_s_GeV']:.3f} GeV, seed "
           f"{doc['seed']}, {doc['events_per_point']} events/point)",
           f"trigger: {trig['logic']}   [{trig['source']}; calibration {doc['trigger_calibration_period']}]",
           f"coupling {doc['coupling']}   phase space {doc['phase_space']}", ""]
    ctau = any("ctau_cm" in p for p in doc["points"])
    head = (f"{'mass [GeV]':>10} " + (f"{'ctau [cm]':>10} " if ctau else "") + f"{'sigma [fb]':>11} {'BF':>8} {'sel':>6} {'eff':>7} {'+-':>7} {'trig|sel':>8}  "
            f"lines on selected events (alone)")
    out += [head, "-" * len(head)]
    for p in doc["points"]:
        out.append(f"{p['mass_GeV']:>10.4g} " + (f"{p['ctau_cm']:>10.3g} " if ctau else "") +
                   f"{_fmt(p['cross_section_fb'], '>11.4g')} {p['branching_fraction']:>8.3g} "
                   f"{p['selection_efficiency']:>6.4f} {p['efficiency']:>7.4f} {p['efficiency_err']:>7.4f} "
                   f"{_fmt(p['trigger_efficiency_selected'], '>8.4f')}  {carrying_lines(p)}")
    out.append("")
    out.append("sel = offline selection; eff = selection AND trigger, per generated event; trig|sel = trigger "
               "efficiency of selected events; yield = sigma x L x eff x BF")
    if doc["not_modelled"]:
        out.append("not modelled: " + "; ".join(doc["not_modelled"]))
    if "comparison" in doc:
        out += ["", comparison_table(doc)]
    return "\n".join(out)


def comparison_table(doc):
    """The scan against the same scan on the comparison menu: efficiencies and their ratio."""
    other = doc["comparison"]
    ctau = any("ctau_cm" in p for p in doc["points"])
    out = [f"compared with menu {other['trigger_menu']['file']}: trigger {other['trigger']['logic']}", ""]
    head = (f"{'mass [GeV]':>10} " + (f"{'ctau [cm]':>10} " if ctau else "") +
            f"{'eff':>8} {'eff cmp':>8} {'ratio':>7} {'trig|sel':>8} {'cmp':>8}")
    out += [head, "-" * len(head)]
    for a, b in zip(doc["points"], other["points"]):
        ratio = b["efficiency"] / a["efficiency"] if a["efficiency"] > 0 else float("nan")
        out.append(f"{a['mass_GeV']:>10.4g} " + (f"{a['ctau_cm']:>10.3g} " if ctau else "") +
                   f"{a['efficiency']:>8.4f} {b['efficiency']:>8.4f} {ratio:>7.3f} "
                   f"{_fmt(a['trigger_efficiency_selected'], '>8.4f')} {_fmt(b['trigger_efficiency_selected'], '>8.4f')}")
    return "\n".join(out)
