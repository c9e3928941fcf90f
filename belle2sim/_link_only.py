"""Helpers kept as optimised LLVM IR for the kernels to link, without machine code of their own.

numba finalises every function it compiles: it optimises the function's module and then emits
machine code for it, though a helper that kernels call (``_jit.inline``) never runs on its own:
each kernel links the helper's optimised IR into its own module and emits machine code for the
whole (where LLVM inlines the helper). The helpers' own machine code took 1.1 of the ~23 s of CPU
of a zprime-mumu first run compiled in one process (measured by library, 2026-11-28).

:class:`LinkOnlyCompiler` compiles a helper into a :class:`LinkOnlyLibrary`, which finalises as
numba's does up to the machine code (the helper's own helpers linked in, the module optimised: the
same IR the kernels linked before, so the same kernels) and stops there. Its cache entry keeps that
IR as bitcode, which a later process's kernels link in the same way (numba's own entries keep
machine code and bitcode). numba reads such an entry through :func:`install`, which belle2sim's
kernels module applies at import, before any kernel is compiled or loaded.

Private to numba (codegen.py): where the methods used here have moved, :func:`available` is False
and helpers compile as numba compiles any function.
"""

from llvmlite import binding as ll
from numba.core import codegen
from numba.core.compiler import Compiler

KIND = "belle2sim-link-only"  # the kind of a cache entry written by a LinkOnlyLibrary

_NEEDED = ("_finalize_dynamic_globals", "_verify_declare_only_symbols", "_get_module_for_linking",
           "_finalize_final_module")


def available():
    """Whether numba's code libraries have the parts a link-only library relies on."""
    return (all(hasattr(codegen.CPUCodeLibrary, name) for name in _NEEDED)
            and hasattr(codegen.JITCPUCodegen, "unserialize_library"))


class _CodegenWithoutEnvironments:
    """numba's JIT codegen, but for setting a function's environment: numba points the environment
    global of each function it compiles at the function's Environment, through the machine code's
    address of that global, which a link-only library has not. A helper's own environment is never
    read in a kernel's code (a kernel loaded from the cache runs with those of its helpers unset)."""

    def __init__(self, jit_codegen):
        self._jit_codegen = jit_codegen

    def __getattr__(self, name):
        return getattr(self._jit_codegen, name)

    def set_env(self, env_name, env):
        pass


class LinkOnlyLibrary(codegen.JITCodeLibrary):
    """A code library that is finalised without machine code: for linking into others only."""

    @property
    def codegen(self):
        return _CodegenWithoutEnvironments(self._codegen)

    def _finalize_final_module(self):
        self._finalize_dynamic_globals()
        self._verify_declare_only_symbols()
        self._finalized = True

    def get_pointer_to_function(self, name):
        """0 for a function the library does not define (what numba asks for: the Python wrapper,
        which helpers have not); an error for one it defines, which has no machine code here."""
        self._ensure_finalized()
        try:
            function = self._final_module.get_function(name)
        except NameError:
            return 0
        if function.is_declaration:
            return 0
        raise RuntimeError(f"{self.name}: a helper compiled for kernels to link has no machine code of "
                           f"its own ({name}); call it from a kernel, or through its dispatcher from Python")

    def serialize_using_object_code(self):
        self._ensure_finalized()
        return (self.name, KIND, self._get_module_for_linking().as_bitcode())

    @classmethod
    def from_bitcode(cls, jit_codegen, name, bitcode):
        library = cls(jit_codegen, name)
        library._final_module = library._shared_module = ll.parse_bitcode(bitcode)
        library._finalize_final_module()
        return library


class LinkOnlyCompiler(Compiler):
    """numba's compiler, writing into a :class:`LinkOnlyLibrary`."""

    def compile_extra(self, func):
        if self.state.library is None:
            self.state.library = LinkOnlyLibrary(self.state.targetctx.codegen(), func.__qualname__)
        return super().compile_extra(func)


def install():
    """Let numba's cache read link-only entries (idempotent; False where :func:`available` is not)."""
    if not available():
        return False
    jit_codegen = codegen.JITCPUCodegen
    # (the kinds read so far: another copy of this module, as benchmarks/bench_ab.py's renamed
    # baseline, adds its own kind in front of this one's)
    kinds = getattr(jit_codegen.unserialize_library, "link_only_kinds", ())
    if KIND in kinds:
        return True
    original = jit_codegen.unserialize_library

    def unserialize_library(self, serialized):
        if serialized[1] == KIND:
            return LinkOnlyLibrary.from_bitcode(self, serialized[0], serialized[2])
        return original(self, serialized)

    unserialize_library.link_only_kinds = kinds + (KIND,)
    jit_codegen.unserialize_library = unserialize_library
    return True
