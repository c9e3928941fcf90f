"""Load and validate a trigger menu (trigger/*.toml).

A menu has input-bit parameters (``[inputs.ecl]``, ``[inputs.cdc]``, ...) and output lines
(``[lines.NAME]`` with ``logic`` and ``prescale``). Validation parses every line's logic and
checks that each input bit it names exists; errors name the file, the line and the bit.
"""

from dataclasses import dataclass
from pathlib import Path

from belle2sim import resources
from belle2sim.errors import MenuError
from belle2sim.schema import (
    Spec, integer, integers, interval, number, numbers, positive, read_toml, text, validate,
)
from belle2sim.trigger import logic
from belle2sim.trigger.bits import INPUT_BITS

_THETA_IDS = Spec("a list of theta-IDs 1..17",
                  lambda v: integers()(v) or (None if all(1 <= x <= 17 for x in v)
                                              else f"theta-IDs must be 1..17, got {v}"))

_BINS = Spec("[low, high] bin counts", lambda v: integers(2, minimum=0)(v) or (
    None if v[0] <= v[1] else f"bin window {v} is empty (need low <= high)"))

SCHEMA = {
    "menu": {"name": text(), "source": text(), "extends": text()},
    "inputs": {
        "ecl": {
            "source": text(),
            "elow_threshold_GeV": number(0.0),
            "ehigh_threshold_GeV": number(0.0),
            "elum_threshold_GeV": number(0.0),
            "bhabha_veto_dphi_min_deg": number(0.0, 180.0),
            "bhabha_veto_theta_sum_deg": interval(0.0, 360.0),
            "bhabha_veto_cm_energy_GeV": interval(0.0),
            "mumu_dphi_min_deg": number(0.0, 180.0),
            "mumu_theta_sum_deg": interval(0.0, 360.0),
            "mumu_max_cm_energy_GeV": positive(),
            "lml_lab_energy_GeV": numbers(3, each=number(0.0)),
            "lml_cm_energy_GeV": numbers(3, each=number(0.0)),
            "lml8_dphi_min_deg": number(0.0, 180.0),
            "lml10_dphi_min_deg": number(0.0, 180.0),
            "lml10_theta_sum_deg": interval(0.0, 360.0),
            "theta_ids": {k: _THETA_IDS for k in
                          ("energy_sum", "icn", "lml1", "lml2", "lml4", "lml6", "lml7", "lml12", "lml13",
                           "bha_intrk")},
        },
        "cdc": {
            "source": text(),
            "t2_min_pt_GeV": number(0.0),
            "t2_min_axial_superlayers": integer(1),
            "t3_z0_cut_cm": positive(),
            "t3_z0_resolution_cm": number(0.0),
            "ty_z0_cut_cm": positive(),
            "ty_z0_resolution_cm": number(0.0),
            "typ_z0_cut_cm": positive(),
            "typ_min_momentum_GeV": number(0.0),
            "phi_bin_deg": Spec("a divisor of 360 deg", lambda v: number(0.0, strict_min=True)(v) or (
                None if abs(360.0 / v - round(360.0 / v)) < 1e-9 else f"360 / {v} is not a whole number")),
            "open90_bins": _BINS,
            "f2f30_bins": _BINS,
            "b2b5_bins": _BINS,
            "typ_omega_bin_per_m": positive(),
            "typ_theta_bin_rad": positive(),
            "restricted_theta_deg": interval(0.0, 180.0),
            "t2_max_d0_cm": positive(),
        },
        "displaced": {
            "source": text(),
            "min_pt_GeV": number(0.0),
            "min_axial_superlayers": integer(1),
            "d0_window_cm": interval(0.0),
        },
        "grl": {
            "source": text(),
            "c2gev_energy_GeV": number(0.0),
            "phi_bin_deg": positive(),
            "d5_bins": _BINS,
            "p5_bins": _BINS,
            "ecl_face_radius_cm": positive(),
            "cdcecl_cluster_theta_deg": interval(0.0, 180.0),
            "hemisphere_dphi_deg": number(0.0, 180.0),
            "track_bhabha_min_pt_GeV": number(0.0),
        },
    },
}
_LINE = {"logic": text(), "prescale": integer(0), "description": text()}


@dataclass(frozen=True)  # a study replaces a line (dataclasses.replace), never edits one:
class Line:                # Menu.for_lines can then tell a menu's lines apart by the objects
    name: str
    logic: str
    prescale: int
    ast: tuple


class LineTable(dict):
    """A menu's lines (name -> Line) that counts its changes, so that Menu.for_lines tells an
    unchanged table from an edited one without comparing every line."""

    version = 0

    def _edit(method):
        def edited(self, *args, **kwargs):
            result = method(self, *args, **kwargs)
            self.version += 1
            return result

        edited.__name__ = method.__name__
        return edited

    __setitem__ = _edit(dict.__setitem__)
    __delitem__ = _edit(dict.__delitem__)
    __ior__ = _edit(dict.__ior__)
    pop = _edit(dict.pop)
    popitem = _edit(dict.popitem)
    setdefault = _edit(dict.setdefault)
    update = _edit(dict.update)
    clear = _edit(dict.clear)
    del _edit


@dataclass
class Menu:
    path: Path
    sha256: str
    doc: dict
    lines: dict

    def __post_init__(self):
        self._packed = {}

    def cached(self, key, make):
        """Packed input-bit parameters, built once per menu."""
        if key not in self._packed:
            self._packed[key] = make()
        return self._packed[key]

    def for_lines(self, key, make):
        """``make()`` of what depends on the lines (the compiled menu, the prescale plan), built
        once per set of lines and checked per chunk: a study's copy shares this cache but not
        its ``lines``. A loaded menu's lines are a LineTable, which counts its changes: the check
        is then its identity and count. Lines assigned as a plain dict are compared item by item
        (Line objects are frozen, so the same (name, Line) objects mean the same lines): ~30 us
        of GIL per chunk in the flow of a chunk, where Python runs from cold caches."""
        lines = self.lines
        stamp = lines.version if isinstance(lines, LineTable) else tuple(lines.items())
        slot = (key, id(lines))
        entry = self._packed.get(slot)
        if entry is None or entry[0] is not lines or entry[1] != stamp:
            entry = (lines, stamp, make())  # (holds ``lines``: its id is not reused meanwhile)
            self._packed[slot] = entry  # (one store: a thread never sees half an entry)
        return entry[2]

    @property
    def name(self):
        return self.doc["menu"]["name"]

    @property
    def inputs(self):
        return self.doc["inputs"]

    def unprescaled(self):
        """Names of the lines that run with prescale 1 (the ones an efficiency ORs)."""
        return [n for n, line in self.lines.items() if line.prescale == 1]


def _merge(base, child):
    """``child`` over ``base``: tables merge key by key, everything else is replaced."""
    out = dict(base)
    for key, value in child.items():
        out[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def _read_with_base(path, seen=()):
    """A menu document with its ``[menu] extends = "OTHER.toml"`` base merged under it (the base
    is looked up next to the menu, then among the shipped menus)."""
    doc, sha = read_toml(path, MenuError)
    base_name = doc.get("menu", {}).get("extends") if isinstance(doc.get("menu"), dict) else None
    if base_name is None:
        return doc, sha
    if not isinstance(base_name, str):
        raise MenuError(f"{path}: key 'menu.extends' must be the name or path of a menu, got {base_name!r}")
    local = path.parent / base_name
    base_path = local if local.exists() else resources.resolve("trigger", base_name, must_exist=True)
    if base_path.resolve() in seen or base_path.resolve() == path.resolve():
        raise MenuError(f"{path}: 'menu.extends' = {base_name!r} makes a cycle")
    base, base_sha = _read_with_base(base_path, seen + (path.resolve(),))
    merged = _merge(base, doc)
    merged["menu"] = {k: v for k, v in merged["menu"].items() if k != "extends"}
    merged["menu"]["extends"] = str(base_name)
    import hashlib

    return merged, hashlib.sha256((sha + base_sha).encode()).hexdigest()


def load_menu(path_or_name=None):
    """Load and validate a trigger menu (a path, or the name of a shipped menu)."""
    path = resources.resolve("trigger", path_or_name, must_exist=True)
    doc, sha = _read_with_base(path)
    return build_menu(doc, path, sha)


def with_value(menu, key, value):
    """A copy of ``menu`` with the dotted ``key`` (e.g. 'inputs.ecl.ehigh_threshold_GeV' or
    'lines.hie.prescale') set to ``value``, validated like a file (a menu study without a file)."""
    import copy

    doc = copy.deepcopy(menu.doc)
    parts = key.split(".")
    node = doc
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            raise MenuError(f"{menu.path}: no key '{key}' (no table '{part}')")
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        raise MenuError(f"{menu.path}: no key '{key}'")
    old = node[parts[-1]]
    node[parts[-1]] = type(old)(value) if isinstance(old, (int, float)) and not isinstance(old, bool) else value
    return build_menu(doc, menu.path, f"{menu.sha256}+{key}={value}")


def build_menu(doc, path, sha):
    """Validate a menu document and build its lines (errors name ``path``)."""
    where = str(path)
    lines_doc = doc.get("lines")
    if not isinstance(lines_doc, dict) or not lines_doc:
        raise MenuError(f"{where}: no [lines.NAME] tables: a menu needs at least one output line")
    validate({k: v for k, v in doc.items() if k != "lines"}, SCHEMA, where, MenuError,
             optional=("menu.extends", "inputs.displaced"))
    lines = {}
    for name, body in lines_doc.items():
        if not isinstance(body, dict):
            raise MenuError(f"{where}: 'lines.{name}' must be a table with logic and prescale")
        validate(body, _LINE, where, MenuError, path=f"lines.{name}.", optional=("lines.%s.description" % name,))
        try:
            ast = logic.parse(body["logic"])
        except logic.LogicSyntaxError as exc:
            raise MenuError(f"{where}: line '{name}': cannot parse logic {body['logic']!r}: {exc}") from exc
        unknown = sorted(logic.names(ast) - set(INPUT_BITS))
        if unknown:
            raise MenuError(f"{where}: line '{name}' uses unknown input bit(s) {', '.join(unknown)} "
                            f"(known: {', '.join(INPUT_BITS)})")
        if {"tdv", "dvtx"} & logic.names(ast) and "displaced" not in doc["inputs"]:
            raise MenuError(f"{where}: line '{name}' uses the displaced-vertex bits (tdv, dvtx) but the menu has no "
                            f"[inputs.displaced] table (see trigger/belle2_l1_displaced.toml)")
        lines[name] = Line(name, body["logic"], body["prescale"], ast)
    return Menu(path=path, sha256=sha, doc=doc, lines=LineTable(lines))
