#!/usr/bin/env bash
# On the GPU machine (PyTorch with CUDA, a C++ compiler, no .NET, no network), from the repository
# root with .gpu/ from bench/gpu/prepare.sh beside it:
#   1. compiles TorchSharp 0.107's native library and the engine's shim against this machine's
#      libtorch (C++ ABI as torch reports it), and checks no symbol is left undefined;
#   2. runs the published programs on that libtorch: CUDA parity with the fixture, the reference's
#      drag step and ours side by side at 512 and 1024, ours batched (1, 4, 16, 32 edits at 512),
#      and the inference service's load test with 16 streams at 512.
# The JSON results, GPU memory samples and a tarball of every log go to $OUT (or ./gpu-results),
# at most 8 files, as a device run returns. Each measurement is bounded in time and a failed one
# does not stop the next; the exit status says whether all ran.
#   bench/gpu/run.sh [--only compile|parity|reference|drag|load]...
set -uo pipefail
cd "$(dirname "$0")/../.."
FINAL=${OUT:-$PWD/gpu-results}
WORK=${WORK:-/tmp/draggan-gpu}
RESULTS=$WORK/results
mkdir -p "$FINAL" "$RESULTS" "$WORK/obj"
ONLY=" ${*//--only/} "
wants() { [ "$ONLY" = "  " ] || [[ "$ONLY" == *" $1 "* ]]; }
failed=0
run_step() { # name timeout command...
  local name=$1 limit=$2; shift 2
  echo "== $name ($(date -u +%H:%M:%S))"
  echo "$name started $(date -u +%FT%T)" >> "$RESULTS/timeline.txt"
  if ! timeout "$limit" "$@" > >(tee "$RESULTS/$name.log") 2>&1; then
    echo "!! $name failed or ran past $limit s" | tee -a "$RESULTS/$name.log"
    failed=1
  fi
}

TORCH_DIR=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
ABI=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())'
  g++ --version | head -1
  nproc
} > "$RESULTS/machine.txt" 2>&1
cat "$RESULTS/machine.txt"

compile() {
  local src=.gpu/src/src/Native/LibTorchSharp
  local flags="-std=c++17 -O2 -fPIC -fvisibility=hidden -D_GLIBCXX_USE_CXX11_ABI=$ABI -DNDEBUG -I$TORCH_DIR/include -I$TORCH_DIR/include/torch/csrc/api/include"
  # The sources the library's own CMake list builds (THSConvolution.cpp is not among them).
  local files
  files=$(sed -n '/set(SOURCES/,/)/p' "$src/CMakeLists.txt" | grep -oE '[A-Za-z0-9_]+\.(cpp|c)\b')
  for f in $files; do
    case "$f" in
      *.c) echo "gcc -O2 -fPIC -c $src/$f -o $WORK/obj/${f%.*}.o" ;;
      *) echo "g++ $flags -c $src/$f -o $WORK/obj/${f%.*}.o" ;;
    esac
  done | xargs -P "$(nproc)" -I{} sh -c '{}' || return 1
  g++ -shared -o "$WORK/libLibTorchSharp.so" "$WORK"/obj/*.o -Wl,-soname,libLibTorchSharp.so -Wl,-Bsymbolic \
    -L"$TORCH_DIR/lib" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 -Wl,-rpath,"$TORCH_DIR/lib" || return 1
  g++ $flags -shared -o "$WORK/libDragGanTorchShim.so" bench/gpu/shim/draggan_torch_shim.cpp \
    -L"$TORCH_DIR/lib" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 -Wl,-rpath,"$TORCH_DIR/lib" || return 1
  for lib in "$WORK/libLibTorchSharp.so" "$WORK/libDragGanTorchShim.so"; do
    if LD_LIBRARY_PATH="$TORCH_DIR/lib" ldd -r "$lib" 2>&1 | grep -i undefined; then
      echo "undefined symbols in $lib"; return 1
    fi
  done
  rm -rf "$WORK/app" && mkdir -p "$WORK/app"
  tar -xJf .gpu/app.tar.xz -C "$WORK/app" --strip-components=1
  for program in "$WORK"/app/bench "$WORK"/app/load; do
    cp "$WORK/libLibTorchSharp.so" "$WORK/libDragGanTorchShim.so" "$program/"
  done
}

export -f compile
export TORCH_DIR ABI WORK
export LD_LIBRARY_PATH="$TORCH_DIR/lib:${LD_LIBRARY_PATH:-}"
BENCH="$WORK/app/bench/DragGan.Benchmarks"
LOAD="$WORK/app/load/DragGan.LoadTests"
FIXTURE=.gpu/fixture/stylegan2-tiny-256.safetensors

wants compile && run_step compile 300 bash -c compile
# GPU memory in use, twice a second, beside the measurements (the logs say when each row ran).
nvidia-smi --query-gpu=timestamp,memory.used --format=csv -lms 500 > "$RESULTS/gpu-memory.csv" 2>/dev/null &
SAMPLER=$!
trap 'kill $SAMPLER 2>/dev/null' EXIT
wants parity && run_step parity 120 "$BENCH" --suite parity --device cuda --fixture "$FIXTURE" --out "$RESULTS/parity-cuda.json"
wants reference && run_step reference 240 python3 bench/gpu/reference_gpu.py --draggan-root .gpu/src/DragGAN \
  --resolution 512 --resolution 1024 --out "$RESULTS/reference-gpu.json"
# Ours, one edit (image every step, as the reference) and batched, at 512 and 1024.
wants drag && run_step drag 300 "$BENCH" --suite drag --device cuda --no-fixture --drag-resolutions 512,1024 \
  --concurrency 1,4,16,32 --skip 1024x32 --out "$RESULTS/drag-cuda.json"
wants load && run_step load 180 "$LOAD" --streams 1,16 --seconds 20 --batch 32 --random-resolution 512 --device cuda \
  --out "$RESULTS/inference-load-cuda-512.json"
kill $SAMPLER 2>/dev/null
cp "$RESULTS"/*.json "$RESULTS/gpu-memory.csv" "$FINAL/" 2>/dev/null
tar -czf "$FINAL/logs.tar.gz" -C "$RESULTS" .
ls -l "$FINAL"
exit $failed
