#!/usr/bin/env bash
# The tests one mutant runs against: the trigger, detector and selection tests, stopping at the
# first failure, in a fresh numba cache so that no stale kernel survives the mutation.
set -u
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
NUMBA_CACHE_DIR="$cache" python -m pytest -x -q -p no:cacheprovider \
  tests/test_trigger_table.py tests/test_basf2_fidelity.py tests/test_track_trigger.py \
  tests/test_cdc_trigger.py tests/test_ecl_trigger.py tests/test_ecl.py tests/test_tracking.py \
  tests/test_prescale.py tests/test_trigger_calibration.py tests/test_analysis_trigger.py \
  tests/test_logic.py tests/test_published_selections.py
