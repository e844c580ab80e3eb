#!/usr/bin/env bash
# Run librosa 0.11.0's own tests unpatched (baseline) and with audiofeat patched in, then compare.
#
#   tools/librosa_suite/run.sh prepare              # librosa 0.11.0 + test data into $LIBROSA_SRC
#   tools/librosa_suite/run.sh both [test files]    # baseline, then patched, then compare
#   tools/librosa_suite/run.sh baseline|patched [test files]
#   tools/librosa_suite/run.sh compare
#
# Test files are names under $LIBROSA_SRC/tests (default: the list below). Environment:
#   PY             python of the venv (default /work/main/.ci/venv/bin/python)
#   LIBROSA_SRC    librosa 0.11.0 source tree with tests/data (default /tmp/librosa-0.11.0)
#   OUT            results folder (default /tmp/librosa_suite)
#   AUDIOFEAT_SRC  folder holding an audiofeat/ package to use instead of the installed one
#   AUDIOFEAT_REF  git rev of /work/main to snapshot into $OUT/audiofeat-src and use (e.g. HEAD)
#   JOBS           pytest-xdist workers (default: auto if xdist is installed, else none)
#   TIMEOUT        per-test timeout in seconds if pytest-timeout is installed (default 300)
#   EXTRA          extra pytest arguments
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PY="${PY:-$REPO/.ci/venv/bin/python}"
LIBROSA_SRC="${LIBROSA_SRC:-/tmp/librosa-0.11.0}"
OUT="${OUT:-/tmp/librosa_suite}"
TIMEOUT="${TIMEOUT:-300}"
DEFAULT_FILES="test_core.py test_features.py test_filters.py test_util.py test_multichannel.py test_constantq.py test_failures.py test_convert.py"

mode="${1:-both}"; shift || true
files="${*:-$DEFAULT_FILES}"
mkdir -p "$OUT"

prepare() {
    # Needs bare git mirrors of librosa/librosa and librosa/librosa-test-data (e.g. from the fetch tool).
    local lr="${LIBROSA_GIT:-/work/.mirror/librosa+librosa/repo}"
    local td="${TESTDATA_GIT:-/work/.mirror/librosa+librosa-test-data/repo}"
    local data="${LIBROSA_DATA:-/tmp/librosa-test-data}"
    rm -rf "$LIBROSA_SRC" "$data"; mkdir -p "$LIBROSA_SRC" "$data"
    git --git-dir="$lr" archive 0.11.0 | tar -x -C "$LIBROSA_SRC"
    # blob by blob: a mirror may lack some large blobs; fall back to the shared subset for those.
    git --git-dir="$td" ls-tree -r HEAD | while read -r _ _ h p; do
        mkdir -p "$data/$(dirname "$p")"
        if git --git-dir="$td" cat-file -e "$h" 2>/dev/null; then
            git --git-dir="$td" cat-file blob "$h" >"$data/$p"
        elif [ -e "/work/shared/reference/librosa_test_data/$p" ]; then
            cp "/work/shared/reference/librosa_test_data/$p" "$data/$p"
        else
            echo "missing test data: $p" >&2
        fi
    done
    rm -rf "$LIBROSA_SRC/tests/data"; ln -s "$data" "$LIBROSA_SRC/tests/data"
}

pyargs() {
    local args=(-o addopts= -p no:cacheprovider --librosa-isolation -o junit_family=xunit2 -rN)
    if "$PY" -c "import xdist" 2>/dev/null; then args+=(-n "${JOBS:-auto}"); fi
    if "$PY" -c "import pytest_timeout" 2>/dev/null; then args+=(--timeout "$TIMEOUT"); fi
    echo "${args[@]}"
}

run() {  # run <baseline|patched>
    local which="$1" tests=()
    for f in $files; do tests+=("tests/$f"); done
    local pp="" plugin=()
    if [ -n "${AUDIOFEAT_REF:-}" ]; then
        rm -rf "$OUT/audiofeat-src"; mkdir -p "$OUT/audiofeat-src"
        git -C "$REPO" archive "$AUDIOFEAT_REF" audiofeat | tar -x -C "$OUT/audiofeat-src"
        AUDIOFEAT_SRC="$OUT/audiofeat-src"
    fi
    [ -n "${AUDIOFEAT_SRC:-}" ] && pp="$AUDIOFEAT_SRC:"
    if [ "$which" = patched ]; then pp="$pp$HERE:"; plugin=(-p patch_librosa); fi
    echo "== $which: ${tests[*]} -> $OUT/$which.xml (log $OUT/$which.log)"
    # python -P: do not put the cwd (librosa's source tree) on sys.path; the installed librosa is used.
    pp="$pp${PYTHONPATH:-}"; pp="${pp%:}"  # no empty entry: that would put the cwd on sys.path
    (cd "$LIBROSA_SRC" && PYTHONPATH="$pp" LIBROSA_SUITE_PATCH_LOG="$OUT/patched.txt" \
        "$PY" -P -m pytest $(pyargs) "${plugin[@]}" --junitxml="$OUT/$which.xml" ${EXTRA:-} "${tests[@]}" \
        >"$OUT/$which.log" 2>&1) || true
    tail -n 3 "$OUT/$which.log"
}

case "$mode" in
    prepare) prepare ;;
    baseline) run baseline ;;
    patched) run patched ;;
    compare) "$PY" "$HERE/compare.py" "$OUT/baseline.xml" "$OUT/patched.xml" --out "$OUT" ;;
    both) run baseline; run patched; "$PY" "$HERE/compare.py" "$OUT/baseline.xml" "$OUT/patched.xml" --out "$OUT" ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
