#!/usr/bin/env bash
# Runs python with w2v._core built with AddressSanitizer + UBSan (Hogwild races on the weight
# matrices are by design; an out-of-bounds access or undefined behaviour is a bug).
#
#   scripts/sanitized-python.sh -m pytest tests/test_training.py -q
#   scripts/sanitized-python.sh scripts/fuzz_native.py tokens -max_total_time=600
#
# The sanitized extension is built in build/asan and imported from a scratch copy of the
# package (build/asan-pkg), bypassing any editable install; the sanitizer runtimes are
# preloaded into the interpreter, which is not built with them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/asan"
pkg="${W2V_ASAN_PKG:-$root/build/asan-pkg}"  # another copy for runs side by side
py="$(command -v python)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DW2V_SANITIZE=ON \
  -DPython_EXECUTABLE="$py" > /dev/null
cmake --build "$build" > /dev/null
rm -rf "$pkg" && mkdir -p "$pkg"
cp -r "$root/src/w2v" "$pkg/w2v"
find "$pkg/w2v" -name "_core*.so" -delete
cp "$build"/_core*.so "$pkg/w2v/"
# An editable install hooks `import w2v`; drop that hook so the copy above is imported.
cat > "$pkg/sitecustomize.py" <<'PY'
import sys
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "ScikitBuildRedirectingFinder"]
PY
cd "$root"
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:verify_asan_link_order=0}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
PYTHONPATH="$pkg" exec "$py" "$@"
