"""Helpers compiled as IR for kernels to link (_link_only.py): no machine code of their own, the same
results, and cache entries that a later process's kernels link."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np

HELPERS = textwrap.dedent('''
    from belle2sim._jit import inline, kernel

    @inline
    def scaled(x, f):
        return x * f + 1.0

    @inline
    def two_scalings(x):
        return scaled(x, 2.0) - scaled(x, 0.5)

    @kernel
    def total(a):
        s = 0.0
        for i in range(a.shape[0]):
            s += two_scalings(a[i])
        return s
''')

LATER_KERNEL = textwrap.dedent('''
    import numpy as np
    from helpers_a import two_scalings
    from belle2sim._jit import kernel

    @kernel
    def largest(a):
        m = -np.inf
        for i in range(a.shape[0]):
            m = max(m, two_scalings(a[i]))
        return m
''')

FIRST = textwrap.dedent('''
    import json, numpy as np
    from belle2sim._link_only import LinkOnlyLibrary
    import helpers_a
    a = np.linspace(-3.0, 5.0, 17)
    result = {"total": helpers_a.total(a)}
    library = helpers_a.two_scalings.overloads[next(iter(helpers_a.two_scalings.overloads))].library
    result["link_only"] = isinstance(library, LinkOnlyLibrary)
    own = [f.name for f in library._final_module.functions if not f.is_declaration and "two_scalings" in f.name]
    try:
        library.get_pointer_to_function(own[0])
        result["machine_code"] = True
    except RuntimeError:
        result["machine_code"] = False
    print(json.dumps(result))
''')

SECOND = textwrap.dedent('''
    import json, numpy as np
    from belle2sim import _link_only
    loaded = []
    original = _link_only.LinkOnlyLibrary.from_bitcode.__func__
    def recording(cls, codegen, name, bitcode):
        loaded.append(name)
        return original(cls, codegen, name, bitcode)
    _link_only.LinkOnlyLibrary.from_bitcode = classmethod(recording)
    import helpers_b, helpers_a
    a = np.linspace(-3.0, 5.0, 17)
    print(json.dumps({"largest": helpers_b.largest(a), "from_python": helpers_a.two_scalings(1.5),
                      "loaded": loaded}))
''')


def _two_scalings(x):
    return (x * 2.0 + 1.0) - (x * 0.5 + 1.0)


def _run(code, folder, cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONPATH=str(folder) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=folder)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_helpers_link_without_machine_code_and_load_from_the_cache(tmp_path):
    from belle2sim import _jit

    assert _jit._LINK_ONLY, "this numba's code libraries moved: helpers compile with machine code again"
    (tmp_path / "helpers_a.py").write_text(HELPERS)
    (tmp_path / "helpers_b.py").write_text(LATER_KERNEL)
    a = np.linspace(-3.0, 5.0, 17)

    first = _run(FIRST, tmp_path, tmp_path / "cache")
    assert first["total"] == sum(_two_scalings(x) for x in a)
    assert first["link_only"] and not first["machine_code"]

    # a new process: the helper comes from its cache entry (IR), linked into a kernel compiled now
    second = _run(SECOND, tmp_path, tmp_path / "cache")
    assert "two_scalings" in second["loaded"]
    assert second["largest"] == max(_two_scalings(x) for x in a)
    assert second["from_python"] == _two_scalings(1.5)  # (the helper's twin with Python's wrapper)


def test_install_is_idempotent():
    from belle2sim import _link_only

    assert _link_only.install() and _link_only.install()
    from numba.core import codegen

    assert codegen.JITCPUCodegen.unserialize_library.link_only_kinds.count(_link_only.KIND) == 1
