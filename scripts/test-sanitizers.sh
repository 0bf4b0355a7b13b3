#!/usr/bin/env bash
# Runs pytest against an AddressSanitizer + UBSan build of w2v._core (Hogwild races on the
# weight matrices are by design; an out-of-bounds access or undefined behaviour is a bug).
#
#   scripts/test-sanitizers.sh tests/test_training.py -q
#
# The build and the preloading are scripts/sanitized-python.sh's.
set -euo pipefail
exec "$(dirname "$0")/sanitized-python.sh" -m pytest -p no:cacheprovider "$@"
