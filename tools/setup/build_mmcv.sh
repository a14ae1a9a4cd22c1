#!/usr/bin/env bash
# Build full mmcv (compiled ops, which MMDetection needs) for the torch of a
# Python environment, once, and cache the wheel outside the checkout.
#
#   tools/setup/build_mmcv.sh [PYTHON]     # prints the wheel's path
#
# No mmcv wheel exists for torch 2.14. mmcv 2.1.0's sdist builds with two
# changes (../shared/ENVIRONMENT.md): C++20 instead of C++17 (torch 2.14's
# headers need it), and setuptools < 70 while building (its setup.py imports
# pkg_resources). The old setuptools, wheel and ninja go to a private folder
# put first on PYTHONPATH: the environment itself is not changed.
# The cache key is the mmcv, torch and Python versions; MMSHUFFLE_CACHE moves
# the cache (default: ~/.cache/mmshuffle). 77 compile steps, about 15-27
# minutes on 2 cores, the first time only.
set -euo pipefail
PYTHON=${1:-.venv/bin/python}
# An absolute path (not resolved: a venv's python is a link to the base one).
PYTHON="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"
MMCV_VERSION=2.1.0
TORCH_VERSION=$("$PYTHON" -c 'import torch; print(torch.__version__.split("+")[0])')
PY_TAG=$("$PYTHON" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')
CACHE_ROOT=${MMSHUFFLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmshuffle}
WHEEL_DIR="$CACHE_ROOT/wheels/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PY_TAG"

wheel=$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n 1 || true)
if [ -n "$wheel" ]; then
    echo "$wheel"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "building mmcv $MMCV_VERSION for torch $TORCH_VERSION ($PY_TAG) in $work" >&2
"$PYTHON" -m pip install --quiet --target "$work/buildtools" \
    "setuptools<70" wheel ninja >&2
# Reading the sdist's metadata runs its setup.py, which needs pkg_resources.
PYTHONPATH="$work/buildtools" "$PYTHON" -m pip download --quiet --no-deps \
    --no-binary :all: --no-build-isolation "mmcv==$MMCV_VERSION" \
    -d "$work" >&2
tar xzf "$work/mmcv-$MMCV_VERSION.tar.gz" -C "$work"
src="$work/mmcv-$MMCV_VERSION"
sed -i "s/'-std=c++17'/'-std=c++20'/g" "$src/setup.py"
grep -q "'-std=c++20'" "$src/setup.py" || {
    echo "error: no -std=c++17 flag found to patch in mmcv's setup.py" >&2
    exit 1
}
mkdir -p "$WHEEL_DIR" "$CACHE_ROOT/logs"
log="$CACHE_ROOT/logs/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-$PY_TAG.log"
echo "compiling (log: $log)" >&2
(
    cd "$src"
    PATH="$work/buildtools/bin:$PATH" PYTHONPATH="$work/buildtools" \
        MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-2} \
        "$PYTHON" setup.py bdist_wheel --dist-dir "$work/dist"
) >"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    echo "error: building mmcv failed; the whole log is $log" >&2
    exit 1
}
mv "$work"/dist/mmcv-*.whl "$WHEEL_DIR/"
ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl | head -n 1
