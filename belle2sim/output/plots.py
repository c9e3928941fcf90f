"""Efficiency-vs-mass plot (matplotlib + mplhep), written atomically."""

from belle2sim.output.atomic import atomic_path

_LINES_SHOWN = 6


def plot_scan(doc, path, outputs=None):
    if len({p.get("ctau_cm") for p in doc["points"]}) > 1:
        return plot_lifetime_map(doc, path, outputs)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep

    plt.style.use(mplhep.style.ROOT)
    points = sorted(doc["points"], key=lambda p: p["mass_GeV"])
    masses = [p["mass_GeV"] for p in points]
    fig, ax = plt.subplots(figsize=(9, 6.5))
    ax.errorbar(masses, [p["efficiency"] for p in points], yerr=[p["efficiency_err"] for p in points],
                marker="o", lw=2.5, color="black", label="selection and trigger")
    ax.plot(masses, [p["selection_efficiency"] for p in points], marker="^", lw=1.8, color="tab:blue",
            label="offline selection")
    ax.errorbar(masses, [p["trigger_efficiency_selected"] for p in points],
                yerr=[p["trigger_efficiency_selected_err"] for p in points], marker="s", lw=2, ls="--",
                color="tab:red", label=f"trigger on selected events: {doc['trigger']['logic']}")
    # the trigger's lines on selected events; lines with identical curves share one entry
    curves = {}
    for name in points[0]["lines_unique"]:
        ys = tuple(round(p["lines_selected"][name], 12) for p in points)
        if any(ys):
            curves.setdefault(ys, []).append(name)
    ranked = sorted(curves.items(), key=lambda kv: -sum(kv[0]))[:_LINES_SHOWN]
    for ys, names in ranked:
        label = " = ".join(names[:4]) + (" = ..." if len(names) > 4 else "")
        ax.plot(masses, ys, marker=".", lw=1.2, label=f"line {label} (selected events)")
    if "comparison" in doc:
        other = sorted(doc["comparison"]["points"], key=lambda p: p["mass_GeV"])
        ax.errorbar(masses, [p["efficiency"] for p in other], yerr=[p["efficiency_err"] for p in other],
                    marker="D", lw=2.5, ls=":", color="tab:green",
                    label=f"selection and trigger, {doc['comparison']['trigger']['logic']}")
    ax.set_xlabel("mass [GeV]")
    ax.set_ylabel("efficiency (fraction of generated events)")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=11, loc="best", title=f"{doc['channel']}, analysis {doc['analysis']}", title_fontsize=12)
    # not a Belle II result: say so on the figure
    ax.set_title(f"belle2sim {doc.get('belle2sim_version', '')} fast simulation - not a Belle II result",
                 fontsize=12, loc="left")
    _save(fig, path, outputs)


def _map(doc):
    import numpy as np

    masses = sorted({p["mass_GeV"] for p in doc["points"]})
    ctaus = sorted({p["ctau_cm"] for p in doc["points"]})
    eff = np.full((len(ctaus), len(masses)), np.nan)
    for p in doc["points"]:
        eff[ctaus.index(p["ctau_cm"]), masses.index(p["mass_GeV"])] = p["efficiency"]
    return masses, ctaus, eff


def _draw_map(fig, ax, masses, ctaus, eff, label, vmax=None, cmap="viridis", levels=(0.01, 0.05, 0.1, 0.2, 0.4)):
    import numpy as np

    mesh = ax.pcolormesh(masses, ctaus, eff, shading="nearest", cmap=cmap, vmin=0.0, vmax=vmax)
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label(label, fontsize=12)
    if len(masses) > 1 and len(ctaus) > 1 and np.nanmax(eff) > 0:
        drawn = [x for x in levels if x < np.nanmax(eff)]
        if drawn:
            cs = ax.contour(masses, ctaus, eff, levels=drawn, colors="white", linewidths=1.2)
            ax.clabel(cs, fontsize=9)
    ax.set_yscale("log")
    if len(ctaus) > 1:  # the cells of the first and last c*tau, half a (log) step beyond them
        ax.set_ylim(ctaus[0] ** 1.5 / ctaus[1] ** 0.5, ctaus[-1] ** 1.5 / ctaus[-2] ** 0.5)
    if len(masses) > 1:
        ax.set_xlim(1.5 * masses[0] - 0.5 * masses[1], 1.5 * masses[-1] - 0.5 * masses[-2])
    ax.set_xlabel("mass [GeV]")
    ax.set_ylabel(r"$c\tau$ [cm]")


def plot_lifetime_map(doc, path, outputs=None):
    """Efficiency over mass x c*tau: colour scale, log c*tau axis, contours; with a comparison
    menu, both maps and their ratio side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep
    import numpy as np

    plt.style.use(mplhep.style.ROOT)
    masses, ctaus, eff = _map(doc)
    other = doc.get("comparison")
    fig, axes = plt.subplots(1, 3 if other else 1, figsize=(27 if other else 9, 6.5), squeeze=False)
    axes = axes[0]
    vmax = np.nanmax(eff) if not other else max(np.nanmax(eff), np.nanmax(_map(other)[2]))
    _draw_map(fig, axes[0], masses, ctaus, eff, "efficiency (selection and trigger)", vmax)
    axes[0].set_title(f"trigger {doc['trigger']['logic']}", fontsize=11, loc="left")
    if other:
        eff2 = _map(other)[2]
        _draw_map(fig, axes[1], masses, ctaus, eff2, "efficiency (selection and trigger)", vmax)
        axes[1].set_title(f"{other['trigger_menu']['file'].rsplit('/', 1)[-1]}: {other['trigger']['logic']}",
                          fontsize=11, loc="left")
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = eff2 / eff
        _draw_map(fig, axes[2], masses, ctaus, ratio, "ratio (compared / standard)", None, "magma",
                  levels=(1.05, 1.5, 2.0, 5.0))
        axes[2].set_title("ratio", fontsize=11, loc="left")
    fig.suptitle(f"{doc['channel']} ({doc['analysis']}): belle2sim fast simulation - not a Belle II result",
                 fontsize=12)
    _save(fig, path, outputs)


def _save(fig, path, outputs):
    import matplotlib.pyplot as plt

    fmt = str(path).rsplit(".", 1)[-1] if "." in str(path) else "png"
    try:
        if outputs is None:
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=fmt, dpi=110, bbox_inches="tight")
        else:
            fig.savefig(outputs.temporary(path), format=fmt, dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)


def plot_rates(doc, path, name_for_format):
    """Horizontal bars: each line's rate and what it alone adds, log scale, against the budget."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep

    plt.style.use(mplhep.style.ROOT)
    lines = sorted(((n, r) for n, r in doc["lines"].items() if r["rate_Hz"] > 0), key=lambda kv: kv[1]["rate_Hz"])
    lines = lines[-30:]
    fig, ax = plt.subplots(figsize=(9, max(4, 0.3 * len(lines) + 2)))
    y = range(len(lines))
    ax.barh(y, [r["rate_Hz"] for _, r in lines], xerr=[r["rate_err_Hz"] for _, r in lines], color="tab:blue",
            label="line rate (after prescale)")
    ax.barh(y, [r["unique_rate_Hz"] if r["unique_rate_Hz"] > 0 else float("nan") for _, r in lines],
            color="tab:orange", label="fired by this line alone")
    ax.set_yticks(list(y), [n for n, _ in lines], fontsize=9)
    ax.set_xscale("log")
    ax.set_xlim(left=max(0.1, 0.3 * min(r["rate_Hz"] for _, r in lines)))
    ax.axvline(doc["budget_Hz"], color="red", ls="--", label="30 kHz budget")
    ax.axvline(doc["total_rate_Hz"], color="black", ls=":", label=f"total {doc['total_rate_Hz']:.3g} Hz")
    ax.set_xlabel(f"rate [Hz] at L = {doc['lumi_cm2s']:.2g} cm$^{{-2}}$s$^{{-1}}$")
    ax.legend(fontsize=9, loc="lower right")
    ax.set_title("belle2sim: Bhabha, gamma gamma, mu mu, tau tau only (no beam background) - not a Belle II result",
                 fontsize=9, loc="left")
    fmt = str(name_for_format).rsplit(".", 1)[-1]
    try:
        fig.savefig(path, format=fmt, dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)


def plot_threshold_scan(rows, key, channel_name, path):
    """Signal efficiency against the L1 rate, one point per value of the scanned key."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep

    from belle2sim.output.atomic import atomic_path

    plt.style.use(mplhep.style.ROOT)
    fig, ax = plt.subplots(figsize=(8, 6))
    rate = [r["total_rate_Hz"] for r in rows]
    for k, point in enumerate(rows[0]["signal"]):
        eff = [r["signal"][k]["efficiency"] for r in rows]
        err = [r["signal"][k]["efficiency_err"] for r in rows]
        ax.errorbar(rate, eff, yerr=err, marker="o", label=f"{channel_name}, m = {point['mass_GeV']:g} GeV")
        for r, e in zip(rows, eff):
            ax.annotate(f"{r['value']:g}", (r["total_rate_Hz"], e), textcoords="offset points", xytext=(4, 4),
                        fontsize=9)
    ax.set_xlabel("L1 rate [Hz] (Standard Model processes, no beam background)")
    ax.set_ylabel("signal efficiency (selection and analysis trigger)")
    ax.set_title(f"scan of {key}: belle2sim fast simulation - not a Belle II result", fontsize=10, loc="left")
    ax.legend(fontsize=10)
    fmt = str(path).rsplit(".", 1)[-1]
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
