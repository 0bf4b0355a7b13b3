#!/usr/bin/env bash
# Runs python with w2v._core built with AddressSanitizer + UBSan (Hogwild races on the weight
# matrices are by design; an out-of-bounds access or undefined behaviour is a bug).
#
#   scripts/sanitized-python.sh -m pytest tests/test_training.py -q
#   W2V_FUZZ=1 scripts/sanitized-python.sh scripts/fuzz_native.py tokens -max_total_time=600
#
# The sanitized extension is built in build/asan (with gcc) and imported from a scratch copy
# of the package (build/asan-pkg, or $W2V_ASAN_PKG to run several side by side), bypassing
# any editable install; the sanitizer runtimes are preloaded into the interpreter, which is
# not built with them.
#
# With W2V_FUZZ=1 the extension is built with clang in build/asan-clang, with libFuzzer's
# coverage counters (-fsanitize=fuzzer-no-link), and clang's ASan runtime and libFuzzer are
# preloaded, so that atheris (scripts/fuzz_native.py) is guided by the coverage of the C++
# code as well as of the Python code. It needs clang and its runtime libraries (Debian:
# apt-get install clang libclang-rt-dev).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pkg="${W2V_ASAN_PKG:-$root/build/asan-pkg}"
py="$(command -v python)"
if [ -n "${W2V_FUZZ:-}" ]; then
  build="$root/build/asan-clang"
  compilers=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
    -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link)
  runtime="$(clang -print-runtime-dir)"
  fuzzer="$build/libfuzzer_no_main.so"
else
  build="$root/build/asan"
  compilers=()
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DW2V_SANITIZE=ON \
  "${compilers[@]}" -DPython_EXECUTABLE="$py" > /dev/null
cmake --build "$build" > /dev/null
if [ -n "${W2V_FUZZ:-}" ]; then
  # libFuzzer as a shared library, so that it can be preloaded before the ASan runtime.
  if [ ! -e "$fuzzer" ]; then
    clang++ -shared -o "$fuzzer" -Wl,--whole-archive \
      "$runtime/libclang_rt.fuzzer_no_main-x86_64.a" -Wl,--no-whole-archive -lpthread -ldl
  fi
  preload="$fuzzer $runtime/libclang_rt.asan-x86_64.so"
else
  preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
fi
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
LD_PRELOAD="$preload" \
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:verify_asan_link_order=0}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
PYTHONPATH="$pkg" exec "$py" "$@"
