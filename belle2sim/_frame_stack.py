"""Room on Python's frame stack for numba's compiler: its recursion no longer maps and unmaps memory.

CPython 3.11 and later keep a thread's frames in chunks of 16 KiB. A call whose frame does not fit
in the current chunk maps a new one (mmap), and the return to the frame below unmaps it again. numba's
compiler recurses ~32-64 KiB deep, and its depth goes up and down across such a boundary all the
time: a zprime-mumu first run mapped and unmapped 16 KiB 162 thousand times in its two processes
(147 thousand in one process compiling everything), each with a page fault; 1.0-1.3 s of system time
and some of the user time after it (measured with strace and /usr/bin/time).

A frame larger than a chunk gets a chunk of its own, 16 KiB doubled until the frame fits, and the
frames called from it fill the rest of that chunk before a new one is mapped. :func:`with_room`
calls a function from a frame of ROOM_SLOTS slots (its code object's stack size made larger; the
interpreter never uses those slots, nor touches their memory): a chunk of 1 MiB whose other half
takes the compiler's recursion, eight times as deep as it goes (a chunk with 32 KiB to spare still
mapped 13 thousand times, one with 64 KiB 24 times). The kernels compiled are the same.

belle2sim's own processes use it (the command line, and so the helpers it forks; the helpers started
as new interpreters); a library user's calls are left alone. Elsewhere than CPython 3.11+ (older
versions keep frames as separate objects) the function is called as it is.
"""

import sys

ROOM_SLOTS = 1 << 16  # 8-byte slots: a 512 KiB frame, so a 1 MiB chunk with ~512 KiB to spare


def _call(fn, args, kwargs):
    return fn(*args, **kwargs)


_ROOMY = sys.implementation.name == "cpython" and sys.version_info >= (3, 11)
if _ROOMY:
    _call.__code__ = _call.__code__.replace(co_stacksize=ROOM_SLOTS)


def with_room(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, from a frame that leaves ~512 KiB of its chunk of the frame stack to
    the calls below it (returns what fn returns, raises what it raises)."""
    return _call(fn, args, kwargs)


def roomy():
    """Whether :func:`with_room` makes room on this interpreter."""
    return _ROOMY
