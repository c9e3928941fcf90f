"""numba's compiler without three of its overheads (_compile_overheads.py): the compile flags must
hash and compare as numba defines it, numba's error messages must still say what failed, and numba's
own overloads, compiled for linking only, must give their callers the same results."""

import json
import random
import subprocess
import sys
import textwrap

import pytest
from numba.core import errors
from numba.core.compiler import Flags

from belle2sim._compile_overheads import trim_compile_overheads


def _numbas_definition(a, b):
    """TargetConfig's own: equal if every option's value (set or default) is; the hash of the sorted
    option names."""
    return a.values() == b.values(), hash(tuple(sorted(a.values())))


def _random_flags(rng):
    flags = Flags()
    for name in rng.sample(sorted(Flags.options), rng.randrange(4)):
        option = Flags.options[name]
        if option.type is bool:
            setattr(flags, name, rng.choice([True, False]))  # (often the default: set, yet equal)
        elif name == "error_model":
            setattr(flags, name, rng.choice(["python", "numpy"]))
    return flags


def test_flags_hash_and_compare_as_numba_defines_them():
    assert "flags" in trim_compile_overheads()
    rng = random.Random(7)
    pairs = [(_random_flags(rng), _random_flags(rng)) for _ in range(3000)]
    pairs += [(a, Flags(a)) for a, _ in pairs[:200]]  # (copies: equal)
    outcomes = set()
    for a, b in pairs:
        equal, numbas_hash = _numbas_definition(a, b)
        assert (a == b) == equal, (a, b)
        assert hash(a) == numbas_hash
        if equal:
            assert hash(a) == hash(b)
        outcomes.add((equal, a._values.keys() == b._values.keys()))
    # every branch taken: equal with the same options set, equal though one sets a default, unequal
    assert outcomes == {(True, True), (True, False), (False, True), (False, False)}


def test_error_messages_still_say_what_failed():
    trim_compile_overheads()
    scheme = errors.termcolor()
    assert scheme.errmsg("a message") in ("a message", None)  # (numba's plain scheme returns None)
    import numba

    @numba.njit
    def adds_a_string(x):
        return x + "1"

    with pytest.raises(errors.TypingError, match="add"):
        adds_a_string(1.0)


def test_the_command_line_applies_own_process():
    """The command line's process (and so its forked helpers) runs with the trims, without full
    garbage collections (_garbage.py), and its commands below a roomy frame (_frame_stack.py)."""
    from belle2sim._frame_stack import ROOM_SLOTS, roomy
    from belle2sim._garbage import FULL_COLLECTION_THRESHOLD

    code = ("import gc, sys\n"
            "from numba.core import targetconfig\n"
            "import belle2sim.cli as cli\n"
            "def probe(**kwargs):\n"
            "    frame, largest = sys._getframe(), 0\n"
            "    while frame is not None:\n"
            "        largest, frame = max(largest, frame.f_code.co_stacksize), frame.f_back\n"
            "    print('trimmed', getattr(targetconfig.TargetConfig.__hash__, '_belle2sim', False),"
            " gc.get_threshold()[2], largest)\n"
            "cli.main = probe\n"
            "cli.run()\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    trimmed, full_threshold, largest_frame = out.splitlines()[-1].split()[1:]
    assert trimmed == "True"
    assert int(full_threshold) == FULL_COLLECTION_THRESHOLD
    assert (int(largest_frame) >= ROOM_SLOTS) == roomy()


def test_numbas_overloads_compile_for_linking_only():
    """np.empty, np.zeros, min, max implementations compiled after the trim (a fresh process: numba
    does not cache them): IR for their callers to link (_link_only.py), no C wrapper; the callers'
    results as numba's."""
    code = textwrap.dedent('''
        import json, numba, numpy as np
        from numba.core import event
        from belle2sim._compile_overheads import trim_compile_overheads
        from belle2sim._link_only import LinkOnlyLibrary
        applied = trim_compile_overheads()

        def fill(n, cap):
            out = np.zeros((2, n), dtype=np.int64)
            scratch = np.empty(n, dtype=np.uint8)
            for i in range(n):
                scratch[i] = i % 7
                out[0, i], out[1, i] = min(i, cap), max(np.int64(scratch[i]), cap)
            return out

        with event.install_recorder("numba:compile") as recorder:
            compiled = numba.njit(fill)(20, 5)
        overloads = {}
        for _, ev in recorder.buffer:
            dispatcher = ev.data["dispatcher"]
            if "<locals>.impl" in dispatcher.py_func.__qualname__:
                for result in dispatcher.overloads.values():
                    library = result.library
                    overloads[dispatcher.py_func.__qualname__] = [
                        isinstance(library, LinkOnlyLibrary),
                        any(f.name.startswith("cfunc.") for f in library._final_module.functions)]
        print(json.dumps({"applied": applied, "same": bool(np.array_equal(compiled, fill(20, 5))),
                          "overloads": overloads}))
    ''')
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout.splitlines()[-1])
    assert "overloads" in out["applied"] and out["same"]
    names = " ".join(out["overloads"])
    assert "ol_np_zeros" in names and "ol_np_empty" in names and "ol_min" in names, names
    for name, (link_only, c_wrapper) in out["overloads"].items():
        assert link_only and not c_wrapper, name
