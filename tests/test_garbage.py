"""The cycle collector's setting in belle2sim's own processes (_garbage.py): no full collections,
which is safe only if a run's chunks leave no cyclic garbage that grows with their number."""

import gc

import pytest

from belle2sim._garbage import FULL_COLLECTION_THRESHOLD, YOUNG_COLLECTION_ALLOCATIONS, young_collections_only


@pytest.fixture
def restored_thresholds():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_full_collections_wait_and_a_rarer_young_setting_is_kept(restored_thresholds):
    gc.set_threshold(700, 10, 10)
    young_collections_only()
    assert gc.get_threshold() == (YOUNG_COLLECTION_ALLOCATIONS, 10, FULL_COLLECTION_THRESHOLD)
    gc.set_threshold(10 * YOUNG_COLLECTION_ALLOCATIONS, 7, 10)  # (someone's own, rarer, is left)
    young_collections_only()
    young_collections_only()
    assert gc.get_threshold() == (10 * YOUNG_COLLECTION_ALLOCATIONS, 7, FULL_COLLECTION_THRESHOLD)


@pytest.mark.parametrize("channel", ["dark-photon-invisible", "zprime-mumu"])
def test_a_runs_cyclic_garbage_does_not_grow_with_its_chunks(channel, card, menu):
    """Full collections never come in the command line's processes: a point's chunks must not leave
    cycles behind, or a long run would keep them all (the point itself may leave a few)."""
    from belle2sim.channels import get
    from belle2sim.scan import run_point

    ch = get(channel)
    params = ch.resolve_parameters({ch.scan_parameter: ch.default_scan[len(ch.default_scan) // 2]}, card)
    garbage = []
    for chunks in (1, 2, 30):  # (the first point also leaves what is made once per process)
        gc.collect()
        run_point(ch, params, card, menu, chunks * 1000, 1, chunk_size=1000)
        garbage.append(gc.collect())
    assert garbage[2] <= garbage[1], f"cyclic garbage of {channel} after 2 and 30 chunks: {garbage[1:]}"
