"""Menu studies: two menus side by side, and one input-bit threshold scanned.

Both answer "what do I gain in signal and pay in rate?": the L1 rate from the Standard Model
processes of belle2sim/rates.py and a channel's efficiency with its analysis trigger, on the same
events (same seed) for every menu, so differences are the menus' and not statistical noise of
separate samples.
"""

from belle2sim import rates


def _signal(channel, card, menu, masses, n_events, seed, overrides=None):
    from belle2sim.scan import run_scan

    results = run_scan(channel, masses, dict(overrides or {}), card, menu, n_events, seed)
    return [r.to_dict(channel.scan_parameter) for r in results]


def _rate_doc(card, menu, processes, n_events, seed, lumi):
    counts = [rates.count_process(p, card, menu, n_events, seed) for p in processes]
    return rates.rate_document(counts, menu, lumi)


def evaluate(card, menu, channel, masses, processes, n_rate_events, n_signal_events, seed, lumi):
    """Rates and signal efficiencies of one menu."""
    doc = _rate_doc(card, menu, processes, n_rate_events, seed, lumi)
    return {"menu": str(menu.path), "total_rate_Hz": doc["total_rate_Hz"], "total_rate_err_Hz": doc["total_rate_err_Hz"],
            "lines": doc["lines"], "signal": _signal(channel, card, menu, masses, n_signal_events, seed)}


def compare(card, menus, channel, masses, processes, n_rate_events, n_signal_events, seed, lumi):
    return [evaluate(card, m, channel, masses, processes, n_rate_events, n_signal_events, seed, lumi) for m in menus]


def scan_threshold(card, menu, key, values, channel, masses, processes, n_rate_events, n_signal_events, seed, lumi):
    from belle2sim.trigger.menu import with_value

    out = []
    for v in values:
        row = evaluate(card, with_value(menu, key, v), channel, masses, processes, n_rate_events, n_signal_events,
                       seed, lumi)
        row["value"] = v
        out.append(row)
    return out


def comparison_table(rows, channel, labels):
    w = max(24, max(len(label) for label in labels) + 2)
    lines = [f"{'':<28}" + "".join(f"{label:>{w}}" for label in labels)]
    def cell(value, error, fmt):
        return f"{format(value, fmt)} +- {error:.2g}".rjust(w)

    lines.append(f"{'total L1 rate [Hz]':<28}" + "".join(
        cell(r["total_rate_Hz"], r["total_rate_err_Hz"], ".4g") for r in rows))
    for k, point in enumerate(rows[0]["signal"]):
        label = f"{channel.name} m={point['mass_GeV']:g} eff"
        lines.append(f"{label:<28}" + "".join(
            cell(r["signal"][k]["efficiency"], r["signal"][k]["efficiency_err"], ".4f") for r in rows))
    changed = [n for n in rows[0]["lines"] if len({round(r["lines"].get(n, {}).get("rate_Hz", 0.0), 6)
                                                   for r in rows}) > 1]
    if changed:
        lines += ["", "lines whose rate changed [Hz]:"]
        for n in sorted(changed, key=lambda n: -max(r["lines"].get(n, {}).get("rate_Hz", 0.0) for r in rows))[:15]:
            lines.append(f"  {n:<26}" + "".join(f"{r['lines'].get(n, {}).get('rate_Hz', 0.0):>{w}.4g}" for r in rows))
    lines.append("")
    lines.append(f"signal trigger: the {channel.analysis().key} analysis trigger '{channel.analysis().trigger}'; rates: "
                 "Standard Model processes only (no beam background, no two-photon events): lower bounds")
    return "\n".join(lines)
