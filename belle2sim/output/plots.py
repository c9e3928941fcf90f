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
    ax.set_xlabel("mass [GeV]")
    ax.set_ylabel("efficiency (fraction of generated events)")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=11, loc="best", title=f"{doc['channel']}, analysis {doc['analysis']}", title_fontsize=12)
    # not a Belle II result: say so on the figure
    ax.set_title(f"belle2sim {doc.get('belle2sim_version', '')} fast simulation - not a Belle II result",
                 fontsize=12, loc="left")
    _save(fig, path, outputs)


def plot_lifetime_map(doc, path, outputs=None):
    """Efficiency over mass x c*tau: colour scale, log c*tau axis, contours."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep
    import numpy as np

    plt.style.use(mplhep.style.ROOT)
    masses = sorted({p["mass_GeV"] for p in doc["points"]})
    ctaus = sorted({p["ctau_cm"] for p in doc["points"]})
    eff = np.full((len(ctaus), len(masses)), np.nan)
    for p in doc["points"]:
        eff[ctaus.index(p["ctau_cm"]), masses.index(p["mass_GeV"])] = p["efficiency"]
    fig, ax = plt.subplots(figsize=(9, 6.5))
    mesh = ax.pcolormesh(masses, ctaus, eff, shading="nearest", cmap="viridis", vmin=0.0)
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label("efficiency (selection and trigger)", fontsize=16)
    if len(masses) > 1 and len(ctaus) > 1 and np.nanmax(eff) > 0:
        levels = [x for x in (0.01, 0.05, 0.1, 0.2, 0.4) if x < np.nanmax(eff)]
        if levels:
            cs = ax.contour(masses, ctaus, eff, levels=levels, colors="white", linewidths=1.2)
            ax.clabel(cs, fontsize=9)
    ax.set_yscale("log")
    ax.set_xlabel("mass [GeV]")
    ax.set_ylabel(r"$c\tau$ [cm]")
    ax.set_title(f"{doc['channel']} ({doc['analysis']}), trigger {doc['trigger']['logic']}: belle2sim fast "
                 "simulation - not a Belle II result", fontsize=10, loc="left")
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
