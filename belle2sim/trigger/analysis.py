"""The trigger an analysis used: logic over menu lines and input bits, evaluated per event.

An analysis trigger is written in the menu's logic vocabulary (same safe parser). A name that
is a menu line means that line after prescale (PSNM: what the GDL records); any other name is
an input bit. ``any`` is the OR of every unprescaled line of the menu (the loosest trigger).

:func:`trigger_terms` computes, for a chunk, the trigger decision and for each line it names
the events that line alone fires (what dropping the line would cost).
"""

from dataclasses import dataclass

import numpy as np

from belle2sim.errors import MenuError
from belle2sim.trigger import logic
from belle2sim.trigger.bits import INPUT_BITS

ANY = "any"


@dataclass(frozen=True)
class AnalysisTrigger:
    logic: str
    source: str

    def to_dict(self):
        return {"logic": self.logic, "source": self.source}


def extended(trigger, base_menu, menu):
    """The trigger on ``menu`` that also takes every line ``menu`` has and ``base_menu`` lacks
    (what a menu that adds lines, such as a displaced-vertex line, gains): the analysis trigger
    OR the new lines. 'any' stays 'any' (the OR of unprescaled lines already includes them)."""
    added = [n for n in menu.lines if n not in base_menu.lines and menu.lines[n].prescale > 0]
    if trigger.logic.strip() == ANY or not added:
        return trigger
    return AnalysisTrigger(f"({trigger.logic}) or {' or '.join(added)}",
                           f"{trigger.source}; OR the lines {menu.path.name} adds: {', '.join(added)}")


def resolve(trigger, menu):
    """(AST or None for 'any', the lines the trigger uses) for this menu; unknown names and
    syntax errors raise MenuError naming the logic and the name."""
    if trigger.logic.strip() == ANY:
        return None, menu.unprescaled()
    try:
        ast = logic.parse(trigger.logic)
    except logic.LogicSyntaxError as exc:
        raise MenuError(f"trigger logic {trigger.logic!r}: {exc}") from exc
    names = logic.names(ast)
    unknown = sorted(names - set(menu.lines) - set(INPUT_BITS))
    if unknown:
        raise MenuError(f"trigger logic {trigger.logic!r} names {', '.join(unknown)}: neither a line of menu "
                        f"{menu.path.name} nor an input bit (lines: {', '.join(menu.lines)})")
    return ast, [n for n in menu.lines if n in names]


def _namespace(ast, bits, psnm, lines_used):
    """The names ``ast`` reads: the lines (after prescale) as 0/1 columns, the others input bits
    (a chunk's InputBits makes a column only when read: the ~50 bits of a whole namespace,
    copied once more per line for its "alone" term, were ~300 array views per chunk)."""
    space = {k: bits[k] for k in _names_of(ast) if k not in lines_used}
    space.update({k: psnm[k].view(np.int8) for k in lines_used})
    return space


_NAMES_OF = {}  # AST -> the names it reads (ASTs are tuples; an analysis has a handful)


def _names_of(ast):
    names = _NAMES_OF.get(ast)
    if names is None:
        names = _NAMES_OF[ast] = frozenset(logic.names(ast))
    return names


def is_or_of_lines(ast, lines_used):
    """True for a trigger that is the OR of menu lines: ``any`` (ast None) or lines joined by
    'or' (every analysis's trigger); its terms then come from :func:`or_terms_packed`."""
    if ast is None:
        return True
    if ast[0] == "bit":
        return ast[1] in lines_used
    return ast[0] == "or" and is_or_of_lines(ast[1], lines_used) and is_or_of_lines(ast[2], lines_used)


def or_terms_packed(lines_used, psnm):
    """For the OR of ``lines_used`` (a tuple of line names): (the fired events, and per line a row
    of the events it fires alone), bit-packed (np.packbits order; padding bits unspecified). An
    event is fired alone by a line when no other line fires it: counted in bits, 8 events a byte,
    instead of ~40 passes of the logic over unpacked events per chunk."""
    matrix, rows = psnm.matrix_rows(lines_used)
    n_bytes = (psnm.n_events + 7) // 8
    at_least_one, at_least_two = np.zeros(n_bytes, dtype=np.uint8), np.zeros(n_bytes, dtype=np.uint8)
    for row in rows.tolist():
        fired = matrix[row, :n_bytes]
        at_least_two |= at_least_one & fired
        at_least_one |= fired
    return at_least_one, matrix[rows, :n_bytes] & (at_least_one & ~at_least_two)


def trigger_terms(ast, lines_used, bits, psnm):
    """(fired, {line: fired by this line alone}) for every event of a chunk."""
    n = psnm.n_events
    if is_or_of_lines(ast, lines_used):
        fired, alone = or_terms_packed(tuple(lines_used), psnm)
        unpack = lambda packed: np.unpackbits(packed, count=n).view(np.bool_)  # noqa: E731
        return unpack(fired), {name: unpack(alone[k]) for k, name in enumerate(lines_used)}
    space = _namespace(ast, bits, psnm, lines_used)
    values = {}  # every sub-expression's value, kept by evaluate
    fired = logic.evaluate(ast, space, values)
    uses = {key: _names_of(key[1]) for key in values}
    unique = {}
    zeros = np.zeros(n, dtype=np.int8)
    for name in lines_used:
        # with this line off only the sub-expressions that read it change: the others are reused
        kept = {key: value for key, value in values.items() if name not in uses[key]}
        without = logic.evaluate(ast, {**space, name: zeros}, kept)
        unique[name] = fired & ~without
    return fired, unique
