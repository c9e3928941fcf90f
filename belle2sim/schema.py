"""Declarative validation of TOML cards and menus.

A schema is a nested dict: table name -> {key: spec or sub-schema}. Each spec checks one value
and says what is wrong in words a user can act on; :func:`validate` walks the document and
raises the caller's error class with the file, the dotted key and the problem. Keys carry their
unit (``_GeV``, ``_cm``, ``_deg``, ...): a key that differs from a known one only in its unit is
reported as a wrong unit, not as an unknown key.
"""

import hashlib
import math
import tomllib
from pathlib import Path

UNIT_SUFFIXES = ("_GeV", "_MeV", "_keV", "_TeV", "_cm", "_mm", "_m", "_um", "_deg", "_rad",
                 "_mrad", "_ns", "_ps", "_T", "_fb", "_pb", "_nb")


class Spec:
    """Checks one value; ``describe`` says what is expected."""

    def __init__(self, describe, check):
        self.describe = describe
        self._check = check

    def __call__(self, value):
        """Return an error message, or None if the value is fine."""
        return self._check(value)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def number(minimum=None, maximum=None, strict_min=False):
    def check(v):
        if not _is_number(v):
            return f"expected a number, got {type(v).__name__} {v!r}"
        if not math.isfinite(v):
            return f"expected a finite number, got {v!r}"
        if minimum is not None and (v <= minimum if strict_min else v < minimum):
            return f"must be {'>' if strict_min else '>='} {minimum}, got {v!r}"
        if maximum is not None and v > maximum:
            return f"must be <= {maximum}, got {v!r}"
        return None
    bounds = "" if minimum is None else f" {'>' if strict_min else '>='} {minimum}"
    return Spec(f"a number{bounds}", check)


def positive():
    return number(0.0, strict_min=True)


def integer(minimum=None):
    def check(v):
        if not isinstance(v, int) or isinstance(v, bool):
            return f"expected an integer, got {type(v).__name__} {v!r}"
        if minimum is not None and v < minimum:
            return f"must be >= {minimum}, got {v!r}"
        return None
    return Spec("an integer", check)


def text():
    return Spec("a string", lambda v: None if isinstance(v, str) and v.strip()
                else f"expected a non-empty string, got {v!r}")


def boolean():
    return Spec("true or false", lambda v: None if isinstance(v, bool) else f"expected true/false, got {v!r}")


def numbers(length=None, each=None):
    """A list of numbers (optionally of fixed length, each checked by ``each``)."""
    def check(v):
        if not isinstance(v, list):
            return f"expected a list of numbers, got {type(v).__name__} {v!r}"
        if length is not None and len(v) != length:
            return f"expected {length} numbers, got {len(v)}"
        for i, x in enumerate(v):
            msg = (each or number())(x)
            if msg:
                return f"element {i}: {msg}"
        return None
    return Spec(f"a list of {length or 'any number of'} numbers", check)


def integers(length=None, minimum=None):
    def check(v):
        if not isinstance(v, list):
            return f"expected a list of integers, got {type(v).__name__} {v!r}"
        if length is not None and len(v) != length:
            return f"expected {length} integers, got {len(v)}"
        for i, x in enumerate(v):
            msg = integer(minimum)(x)
            if msg:
                return f"element {i}: {msg}"
        return None
    return Spec(f"a list of {length or 'any number of'} integers", check)


def interval(lo=None, hi=None):
    """[low, high] with low < high (an empty or reversed range is an error)."""
    def check(v):
        msg = numbers(2)(v)
        if msg:
            return msg
        if not v[0] < v[1]:
            return f"range {v} is empty or reversed (need low < high)"
        if (lo is not None and v[0] < lo) or (hi is not None and v[1] > hi):
            return f"range {v} leaves the allowed span [{lo}, {hi}]"
        return None
    return Spec("a range [low, high]", check)


def intervals(count=None, lo=None, hi=None):
    """Ordered, non-overlapping list of [low, high] ranges."""
    def check(v):
        if not isinstance(v, list):
            return f"expected a list of [low, high] ranges, got {v!r}"
        if count is not None and len(v) != count:
            return f"expected {count} ranges, got {len(v)}"
        for i, r in enumerate(v):
            msg = interval(lo, hi)(r)
            if msg:
                return f"range {i}: {msg}"
            if i and r[0] < v[i - 1][1]:
                return f"range {i} {r} overlaps or precedes range {i - 1} {v[i - 1]}"
        return None
    return Spec("ordered non-overlapping ranges", check)


def z_table():
    """Rows [radius_cm, z_low_cm, z_high_cm], radii strictly increasing, z_low < z_high."""
    def check(v):
        if not isinstance(v, list) or len(v) < 2:
            return f"expected at least two [radius, z_low, z_high] rows, got {v!r}"
        for i, row in enumerate(v):
            msg = numbers(3)(row)
            if msg:
                return f"row {i}: {msg}"
            if row[0] <= 0 or not row[1] < row[2]:
                return f"row {i} {row}: need radius > 0 and z_low < z_high"
            if i and row[0] <= v[i - 1][0]:
                return f"row {i} {row}: radii must increase (previous {v[i - 1][0]})"
        return None
    return Spec("rows [radius, z_low, z_high] with increasing radius", check)


def _stem(key):
    for suffix in UNIT_SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return None


def validate(doc, schema, where, error, path="", optional=()):
    """Check ``doc`` against ``schema``; raise ``error`` naming ``where`` (file) and the key."""
    for key, value in doc.items():
        dotted = f"{path}{key}"
        if key not in schema:
            stem = _stem(key)
            twin = [k for k in schema if stem is not None and _stem(k) == stem]
            if twin:
                raise error(f"{where}: key '{dotted}' has the wrong unit: belle2sim expects "
                            f"'{path}{twin[0]}' (units are part of the key name)")
            raise error(f"{where}: unknown key '{dotted}' (allowed here: {', '.join(sorted(schema))})")
        spec = schema[key]
        if isinstance(spec, dict):
            if not isinstance(value, dict):
                raise error(f"{where}: '{dotted}' must be a table, got {type(value).__name__}")
            validate(value, spec, where, error, path=f"{dotted}.", optional=optional)
        else:
            msg = spec(value)
            if msg:
                raise error(f"{where}: key '{dotted}': {msg}")
    for key in schema:
        if key not in doc and f"{path}{key}" not in optional:
            raise error(f"{where}: missing key '{path}{key}'")


def read_toml(path, error):
    """Parse a TOML file; return (document, sha256 of its bytes). Errors name the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read file ({exc.strerror})") from exc
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc
    return doc, hashlib.sha256(raw).hexdigest()
