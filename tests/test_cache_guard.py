"""numba checks a cached kernel against its own file only; belle2sim's import-time guard must
make an edit to a helper in another module reach the kernels that inline it."""

import os
import shutil
import subprocess
import sys

import belle2sim

PROBE = ("import belle2sim, os; assert os.path.dirname(belle2sim.__file__).startswith(os.getcwd()); "
         "from belle2sim.trigger.cdc_bits import typ_momentum_estimate as f; "
         "print(f(1.0, 0.5, 0.044, 0.098125, 1.5))")


def _run(root, cache):
    env = dict(os.environ, PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=root, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return float(out.stdout.split()[-1])


def test_an_edited_helper_reaches_the_cached_kernels_that_use_it(tmp_path):
    root, cache = tmp_path / "src", tmp_path / "cache"
    shutil.copytree(os.path.dirname(belle2sim.__file__), root / "belle2sim",
                    ignore=shutil.ignore_patterns("__pycache__"))
    # the CDC trigger's momentum estimate (cached, in cdc_bits.py) inlines fastmath.atan2
    before = _run(root, cache)
    assert _run(root, cache) == before  # served from the cache
    helper = root / "belle2sim" / "fastmath.py"
    text = helper.read_text()
    assert "    q = atan(y / x)\n" in text
    helper.write_text(text.replace("    q = atan(y / x)\n", "    q = atan(y / x) + 0.5\n"))
    after = _run(root, cache)
    assert after != before  # without the guard numba reloads the estimate built on the old atan2
