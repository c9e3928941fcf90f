"""Room on the frame stack (_frame_stack.py): a recursion below with_room maps no new frame chunks."""

import resource
import sys

import pytest

from belle2sim._frame_stack import ROOM_SLOTS, roomy, with_room

DEPTH = 400  # frames of _down: ~40-50 KiB, across two or three 16 KiB chunk boundaries
REPEATS = 3000


def _down(n):
    return 0 if n == 0 else 1 + _down(n - 1)


def _up_and_down():
    """DEPTH frames deep and back, REPEATS times: the minor page faults it took."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(REPEATS):
        assert _down(DEPTH) == DEPTH
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(not (sys.platform.startswith("linux") and roomy()),
                    reason="frame-stack chunks of CPython 3.11+, page faults as Linux counts them")
def test_a_recursion_below_with_room_maps_no_frame_chunks():
    """Without room, each descent maps fresh chunks (a page fault each at least); below with_room it
    stays in the room's chunk."""
    plain = _up_and_down()
    if plain < REPEATS:
        pytest.skip(f"this interpreter kept its frame chunks ({plain} faults in {REPEATS} descents): nothing to save")
    assert with_room(_up_and_down) < REPEATS // 20


def test_with_room_passes_arguments_results_and_errors():
    assert with_room(divmod, 17, 5) == (3, 2)
    assert with_room(dict, a=1, b=2) == {"a": 1, "b": 2}
    assert with_room(_down, 900) == 900  # (deeper than the room: new chunks as without it)
    with pytest.raises(ZeroDivisionError):
        with_room(divmod, 1, 0)


def test_the_room_is_one_frame_of_room_slots():
    """The frame with_room calls from asks for ROOM_SLOTS slots (what sizes its chunk), on CPython 3.11+."""
    seen = []

    def probe():
        frame = sys._getframe(1)
        seen.append((frame.f_code.co_name, frame.f_code.co_stacksize))

    with_room(probe)
    name, stack_size = seen[0]
    assert name == "_call"
    assert (stack_size >= ROOM_SLOTS) == roomy()
