"""Find the cards and menus shipped with belle2sim.

In an installed wheel they live in ``belle2sim/_data/{geometry,trigger}`` (importlib.resources);
in a source checkout they are the top-level ``geometry/`` and ``trigger/`` folders.
"""

from importlib import resources
from pathlib import Path

DEFAULT_CARD = "belle2.toml"
DEFAULT_MENU = "belle2_l1.toml"


def _data_dir(kind):
    try:
        packaged = resources.files("belle2sim") / "_data" / kind
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    return Path(__file__).resolve().parent.parent / kind


def shipped(kind, name):
    """Path of a shipped file: kind is 'geometry' or 'trigger'."""
    return _data_dir(kind) / name


def shipped_names(kind):
    """Names (without .toml) of the shipped cards ('geometry') or menus ('trigger')."""
    return sorted(p.stem for p in _data_dir(kind).glob("*.toml"))


def resolve(kind, name_or_path, must_exist=False):
    """A user's --detector/--menu value: an existing path, or the name of a shipped file. With
    ``must_exist`` a name that is neither raises an error listing the shipped names (the card
    and menu loaders report a missing path themselves)."""
    if name_or_path is None:
        name_or_path = DEFAULT_CARD if kind == "geometry" else DEFAULT_MENU
    p = Path(name_or_path)
    if p.exists():
        return p
    candidate = shipped(kind, p.name if p.suffix else p.name + ".toml")
    if candidate.exists():
        return candidate
    if must_exist:
        from belle2sim.errors import CardError, MenuError

        error = CardError if kind == "geometry" else MenuError
        what = "detector card" if kind == "geometry" else "trigger menu"
        raise error(f"no {what} '{name_or_path}': neither a file nor a shipped name "
                    f"(shipped: {', '.join(shipped_names(kind))})")
    return p
