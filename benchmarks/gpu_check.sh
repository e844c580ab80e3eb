#!/usr/bin/env bash
# The GPU checks, as one script for a lent CUDA machine whose Python has torch but not audiofeat's other
# dependencies: those come as wheels in .whl/ (see benchmarks/README.md, "GPU"). Writes logs under $OUT
# (or ./gpu_out). Each step has its own time limit, so a slow step cannot starve the others.
#   bash benchmarks/gpu_check.sh [tests|augment|features|all]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_out}; mkdir -p "$OUT"
what=${1:-all}
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || exit 1
  export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
nvidia-smi -L
python3 -c "import torch, numpy, scipy, soundfile, soxr, librosa, audiofeat; print('torch', torch.__version__, '| cuda',
torch.version.cuda, '| numpy', numpy.__version__, '| librosa', librosa.__version__, '| audiofeat', audiofeat.__version__)"
rc=0
if [ "$what" = all ] || [ "$what" = tests ]; then
  # every test with a CUDA branch: the device-parametrised torch and registry tests, the augmentation layer
  # on CUDA, and the single CUDA tests of I/O, loudness and streaming
  timeout 200 python3 -m pytest -q -p no:cacheprovider -n 8 tests/test_torch.py tests/test_augment.py \
    "tests/test_registry.py::test_numpy_equals_torch" tests/test_io.py::test_torch_resample_on_cuda \
    tests/test_loudness.py::test_cuda_equals_cpu tests/test_streaming.py::test_cuda_chunks_stay_on_the_device \
    tests/test_review17.py "tests/test_descriptors.py::test_chroma_torch_batch_tunings_are_the_numpy_ones" \
    -rs 2>&1 | tee "$OUT/tests.log" | tail -40 || rc=1
fi
if [ "$what" = all ] || [ "$what" = augment ]; then
  timeout 150 python3 benchmarks/bench_augment.py --repeat 7 --clips 1000 --json "$OUT/augment.json" 2>&1 \
    | tee "$OUT/augment.log" || rc=1
fi
if [ "$what" = all ] || [ "$what" = features ]; then
  timeout 150 python3 benchmarks/bench_gpu.py --repeat 7 --json "$OUT/gpu_features.json" 2>&1 \
    | tee "$OUT/gpu_features.log" || rc=1
  timeout 60 python3 benchmarks/bench_gpu.py --repeat 7 --more --no-cpu --case chroma --case centroid \
    --case onset --case cqt --case yin --json "$OUT/gpu_more.json" 2>&1 | tee "$OUT/gpu_more.log" || rc=1
fi
exit $rc
