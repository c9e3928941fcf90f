"""Trigger-line logic: parsing, precedence, and every menu line against a reference evaluation."""

import re

import numpy as np
import pytest

from belle2sim.trigger import logic
from belle2sim.trigger.bits import COLUMN, INPUT_BITS, InputBits, ftdl
from belle2sim.trigger.logic_program import LogicProgram


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


@pytest.mark.parametrize("n", [1, 7, 64, 4099, 9001])
def test_compiled_menu_gives_the_numpy_bytes(menu, n):
    """The menu compiled to one kernel (logic_program.py) gives the packed bytes of the NumPy
    evaluator, padding bits included (a "not" flips them), for chunks that end mid-byte and
    mid-word and counts that reach every comparison."""
    rng = np.random.default_rng(n)
    matrix = np.asfortranarray(rng.integers(-1, 7, (n, len(INPUT_BITS))).astype(np.int8))
    compiled = ftdl(InputBits(matrix, np.arange(n)), menu)
    cache = {}
    as_dict = {name: matrix[:, k] for k, name in enumerate(INPUT_BITS)}
    assert len(compiled) == len(menu.lines)
    for name, line in menu.lines.items():
        np.testing.assert_array_equal(compiled.packed[name], logic.evaluate(line.ast, as_dict, cache, packed=True),
                                      err_msg=name)
        np.testing.assert_array_equal(compiled[name], logic.evaluate(line.ast, as_dict), err_msg=name)


def test_compiled_logic_beyond_the_menu():
    """Comparisons of sub-expressions (true, false, the expression or its negation), constants
    outside the int8 range of the bits, shared sub-expressions and a 'not' at the top."""
    texts = ["(clst | t2) = 0", "(clst & t2) >= 1", "(!clst) < 5", "(clst | t2) > 3", "!(clst | t2) != 1",
             "t3 != 300 & clst < 1000", "t3 > 200 | !(t2 <= 129)", "!(clst > 2) & !(clst > 2) | t3 == 4",
             "!ty", "!(ty & t2b) | (ty & t2b) = 1"]
    lines = {f"l{k}": logic.parse(t) for k, t in enumerate(texts)}
    rng = np.random.default_rng(3)
    for n in (5, 130, 4097):
        matrix = np.asfortranarray(rng.integers(-3, 6, (n, len(INPUT_BITS))).astype(np.int8))
        got = LogicProgram(lines, COLUMN).run(matrix)
        as_dict = {name: matrix[:, k] for k, name in enumerate(INPUT_BITS)}
        for name, ast in lines.items():
            np.testing.assert_array_equal(got[name], logic.evaluate(ast, as_dict, packed=True), err_msg=f"{name} n={n}")


def test_compiled_menu_follows_a_copy_with_other_lines(menu):
    """A study's copy of a menu with its lines replaced gets its own program, not the original's."""
    import copy

    from belle2sim.trigger.menu import Line

    n = 1000
    matrix = np.asfortranarray(np.random.default_rng(1).integers(0, 3, (n, len(INPUT_BITS))).astype(np.int8))
    bits = InputBits(matrix, np.arange(n))
    before = ftdl(bits, menu)
    study = copy.copy(menu)
    study.lines = {"only": Line("only", "!t2", 1, logic.parse("!t2"))}
    after = ftdl(bits, study)
    assert list(after) == ["only"]
    np.testing.assert_array_equal(after["only"], matrix[:, COLUMN["t2"]] == 0)
    assert list(ftdl(bits, menu)) == list(before)


def test_input_bits_are_a_mapping_of_column_views(menu):
    """InputBits makes a bit's column when it is read (not 50 views per chunk): each name reads
    its column of the matrix, in place, and the mapping converts to a plain dict of them."""
    n = 50
    matrix = np.asfortranarray(np.random.default_rng(2).integers(0, 4, (n, len(INPUT_BITS))).astype(np.int8))
    bits = InputBits(matrix, np.arange(n))
    assert list(bits) == list(INPUT_BITS) and len(bits) == len(INPUT_BITS) and bits.n_events == n
    for name in ("t2", "ehigh", INPUT_BITS[-1]):
        np.testing.assert_array_equal(bits[name], matrix[:, COLUMN[name]])
        assert np.shares_memory(bits[name], matrix)
    plain = dict(bits)
    assert set(plain) == set(INPUT_BITS)
    np.testing.assert_array_equal(ftdl(plain, menu)["lml1"], ftdl(bits, menu)["lml1"])
    with pytest.raises(KeyError):
        bits["no_such_bit"]
