"""Three costs of numba's compiler that make nothing: the same kernels, compiled faster.

Measured on the first run's trigger and detector compile jobs (one process, cProfile and A/B):

* **Compile flags compared as dictionaries.** numba keys each typing template's cache with the
  compile flags (``typing/templates.py``, ``_get_impl``: ~55 thousand look-ups for the trigger's
  kernels). ``TargetConfig.__hash__`` builds a dictionary of every option's value and hashes the
  sorted option *names* (the same number for every instance of a class), and ``__eq__`` builds
  two such dictionaries; together 3 of the ~20 s of a profiled compilation. Here the hash is the
  same number, kept per class, and two configurations of the same class compare the options
  either of them sets (those set in neither have the class's defaults in both): the same
  results, without the dictionaries.
* **Error messages marked up for a terminal.** numba types a call by trying templates in turn and
  formats a message for each that fails (~130 thousand per first run), which nobody reads once
  another template fits. Where colorama is installed, each message's markup initialises colorama
  and wraps the process's output streams (~64 thousand times): ~0.4 s. Here the markup is left
  out (numba's messages read the same, without bold escape codes).
* **numba's own overloads with machine code and a C wrapper of their own.** The implementations of
  ``np.empty``, ``np.zeros``, ``min``, ``max``, ... that a first run compiles (~50, again in each
  process: numba does not cache them) are only ever linked into their callers, as belle2sim's helpers
  are. Here they compile as those do (``_link_only.py``) and without the C wrapper: ~0.5 s of the
  ~20 s of CPU of zprime-mumu compiled in one process (three pairs, in turn), the same kernels.

Private to numba: each is skipped if its target moved (tests/test_compile_overheads.py checks
them against numba's own). :func:`own_process` applies them with the other settings of belle2sim's
own processes (the command line and its compile helpers); a library user's process is left alone.
"""


def own_process():
    """Settings of belle2sim's own processes, for numba's compilation: numba's extensions not
    loaded (_jit.skip_numba_extensions), no full garbage collections (_garbage.py), and the two
    overheads above trimmed."""
    from belle2sim._garbage import young_collections_only
    from belle2sim._jit import skip_numba_extensions

    skip_numba_extensions()
    young_collections_only()
    trim_compile_overheads()


def trim_compile_overheads():
    """Apply the three (idempotent); returns the names of those applied."""
    applied = []
    if _faster_flag_comparisons():
        applied.append("flags")
    if _plain_error_messages():
        applied.append("messages")
    if _overloads_for_linking():
        applied.append("overloads")
    return applied


def _faster_flag_comparisons():
    from numba.core import targetconfig

    config = targetconfig.TargetConfig
    if getattr(config.__hash__, "_belle2sim", False):
        return True
    if not (hasattr(config, "values") and "_values" in getattr(config, "__slots__", ())):
        return False
    from numba.core.compiler import Flags

    probe = Flags()  # (what the comparison below assumes: an option not set reads as its default)
    if probe._values or any(getattr(probe, name) is not option.default for name, option in Flags.options.items()):
        return False
    original_hash, original_eq = config.__hash__, config.__eq__
    hashes = {}

    def __hash__(self):
        cls = type(self)
        value = hashes.get(cls)
        if value is None:
            value = hashes[cls] = original_hash(self)  # (depends on the class's option names only)
        return value

    def __eq__(self, other):
        if type(other) is not type(self):
            return original_eq(self, other)
        mine, theirs = self._values, other._values
        if mine.keys() == theirs.keys():
            return mine == theirs  # (the options left unset have the class's defaults)
        options = type(self).options
        for name in mine.keys() | theirs.keys():  # (an option set in one: its value or the default)
            default = options[name].default
            a, b = mine.get(name, default), theirs.get(name, default)
            if not (a is b or a == b):
                return False
        return True

    __hash__._belle2sim = True
    config.__hash__, config.__eq__ = __hash__, __eq__
    return True


def _plain_error_messages():
    from numba.core import errors

    scheme = errors.termcolor()  # (the one instance numba's modules share)
    if not hasattr(scheme, "_markup"):  # (numba without colorama: plain already)
        return False
    scheme._markup = lambda msg, color=None, style=None: msg
    return True


def _overloads_for_linking():
    from numba.core import decorators
    from numba.core.typing import templates

    from belle2sim import _link_only

    template = templates._OverloadFunctionTemplate
    if not (_link_only.available() and hasattr(template, "_get_jit_decorator") and hasattr(decorators, "jit")):
        return False  # (moved: numba's own way, before the look-up below could fail)
    if getattr(template._get_jit_decorator, "_belle2sim", False):
        return True
    original = template._get_jit_decorator

    def _get_jit_decorator(self):
        jitter = original(self)
        if jitter is not decorators.jit or self._jit_options.get("inline", "never") != "never":
            return jitter  # (another target's, or an overload typed into its caller's body)

        def jit_for_linking(**options):
            options.setdefault("no_cfunc_wrapper", True)
            options.setdefault("pipeline_class", _link_only.LinkOnlyCompiler)
            return jitter(**options)

        return jit_for_linking

    _get_jit_decorator._belle2sim = True
    template._get_jit_decorator = _get_jit_decorator
    return True
