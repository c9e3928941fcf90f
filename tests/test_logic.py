"""Trigger-line logic: parsing, precedence, and every menu line against a reference evaluation."""

import re

import numpy as np
import pytest

from belle2sim.trigger import logic
from belle2sim.trigger.bits import INPUT_BITS, ftdl


def _reference(text, env):
    """Independent evaluation: rewrite the menu syntax as Python and eval it (test-only)."""
    py = re.sub(r"!(?!=)", " not ", text)
    py = py.replace("&", " and ").replace("|", " or ")
    py = re.sub(r"(?<![<>=!])=(?!=)", "==", py)
    return bool(eval(py, {}, env))  # noqa: S307 - test reference, trusted input


def test_precedence_not_and_or():
    bits = {k: np.array(v) for k, v in dict(a=[1, 1, 0, 0], b=[1, 0, 1, 0], c=[0, 0, 1, 1]).items()}
    np.testing.assert_array_equal(logic.evaluate(logic.parse("a or b and c"), bits),
                                  [True, True, True, False])
    np.testing.assert_array_equal(logic.evaluate(logic.parse("!a & b | c"), bits),
                                  [False, False, True, True])
    np.testing.assert_array_equal(logic.evaluate(logic.parse("not (a or b)"), bits),
                                  [False, False, False, True])


@pytest.mark.parametrize("text", ["a and", "(a", "a > b", "a >= -1", "a ~ b", "and a", "a b", ""])
def test_syntax_errors(text):
    with pytest.raises(logic.LogicSyntaxError):
        logic.parse(text)


def test_every_menu_line_matches_reference(menu):
    rng = np.random.default_rng(5)
    n = 400
    bits = {name: rng.integers(0, 2, n).astype(np.int16) for name in INPUT_BITS}
    for count in ("clst", "t2", "t3", "ty", "t2b", "cdcecl", "c2gev", "cdcklm", "klm", "eklm"):
        bits[count] = rng.integers(0, 6, n).astype(np.int16)  # counts: every comparison in the menu is reached
    fired = ftdl(bits, menu)
    for name, line in menu.lines.items():
        expected = [_reference(line.logic, {k: int(v[i]) for k, v in bits.items()}) for i in range(n)]
        np.testing.assert_array_equal(fired[name], expected, err_msg=name)


def test_comparisons_at_threshold():
    bits = {"clst": np.arange(6)}
    for op, ref in [(">", np.greater), (">=", np.greater_equal), ("=", np.equal), ("==", np.equal),
                    ("!=", np.not_equal), ("<", np.less), ("<=", np.less_equal)]:
        for k in (0, 2, 5):
            np.testing.assert_array_equal(logic.evaluate(logic.parse(f"clst {op} {k}"), bits),
                                          ref(np.arange(6), k))
