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


def resolve(kind, name_or_path):
    """A user's --detector/--menu value: an existing path, or the name of a shipped file."""
    if name_or_path is None:
        name_or_path = DEFAULT_CARD if kind == "geometry" else DEFAULT_MENU
    p = Path(name_or_path)
    if p.exists():
        return p
    candidate = shipped(kind, p.name if p.suffix else p.name + ".toml")
    return candidate if candidate.exists() else p

