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


def _namespace(bits, psnm, names):
    """Input bits, and the named lines (after prescale) as 0/1 columns; lines are unpacked only
    when the logic names them."""
    space = dict(bits)
    space.update({k: psnm[k].view(np.int8) for k in names})
    return space


def trigger_terms(ast, lines_used, bits, psnm):
    """(fired, {line: fired by this line alone}) for every event of a chunk."""
    n = psnm.n_events
    if ast is None:  # the OR of the unprescaled lines
        count = np.zeros(n, dtype=np.int32)
        for name in lines_used:
            count += psnm[name]
        fired = count > 0
        return fired, {name: psnm[name] & (count == 1) for name in lines_used}
    space = _namespace(bits, psnm, lines_used)
    values = {}  # every sub-expression's value, kept by evaluate
    fired = logic.evaluate(ast, space, values)
    uses = {key: logic.names(key[1]) for key in values}
    unique = {}
    zeros = np.zeros(n, dtype=np.int8)
    for name in lines_used:
        # with this line off only the sub-expressions that read it change: the others are reused
        kept = {key: value for key, value in values.items() if name not in uses[key]}
        without = logic.evaluate(ast, {**space, name: zeros}, kept)
        unique[name] = fired & ~without
    return fired, unique
