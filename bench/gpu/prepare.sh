#!/usr/bin/env bash
# Prepares, on a machine with .NET, everything bench/gpu/run.sh needs on the GPU machine (which has
# PyTorch but no .NET and no network), in .gpu/ (git-ignored; the device run carries it):
#   .gpu/app.tar.xz   self-contained publish of the benchmark and load-test programs, without
#                     TorchSharp's libtorch 2.10 libraries (run.sh supplies the GPU machine's own)
#   .gpu/src/         TorchSharp's native sources at the 0.107.0 commit, and the reference's Python
#   .gpu/fixture/     the fixture's G_ema in the native format, with its reference outputs
# Before stripping libtorch it runs the parity suite from the publish, on CPU, against the
# converted fixture: what can be proven without a GPU. Fails if .gpu/ would not fit a device run.
#
#   TORCHSHARP_GIT=<git dir of dotnet/TorchSharp> DRAGGAN_GIT=<git dir of XingangPan/DragGAN> bench/gpu/prepare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

TORCHSHARP_COMMIT=c20b6a1c          # "Update release notes (#1565)": TorchSharp 0.107.0
DRAGGAN_COMMIT=336f120ce126aca6f55dc58537e76c10d19eabd0
TORCHSHARP_GIT=${TORCHSHARP_GIT:?set TORCHSHARP_GIT to a git directory of dotnet/TorchSharp}
DRAGGAN_GIT=${DRAGGAN_GIT:?set DRAGGAN_GIT to a git directory of XingangPan/DragGAN}
FIXTURE=${FIXTURE:-../shared/fixtures/stylegan2-tiny-256}
LIMIT_MIB=${LIMIT_MIB:-56}          # the device run carries at most 64 MiB with the working tree
OUT=.gpu

step() { echo "== $*"; }
rm -rf "$OUT"
mkdir -p "$OUT/src/DragGAN" "$OUT/fixture"

step "sources: TorchSharp $TORCHSHARP_COMMIT src/Native/LibTorchSharp, DragGAN $DRAGGAN_COMMIT (Python and its ops' C++/CUDA)"
git --git-dir "$TORCHSHARP_GIT" archive "$TORCHSHARP_COMMIT" src/Native/LibTorchSharp | tar -x -C "$OUT/src"
# Only the code: the Python modules and the custom ops' sources, which its plugins compile with nvcc.
git --git-dir "$DRAGGAN_GIT" ls-tree -r --name-only "$DRAGGAN_COMMIT" \
  | grep -E '\.py$|^torch_utils/ops/.*\.(cpp|cu|h)$' \
  | xargs git --git-dir "$DRAGGAN_GIT" archive "$DRAGGAN_COMMIT" -- | tar -x -C "$OUT/src/DragGAN"

step "publish (self-contained, linux-x64)"
for project in tests/DragGan.Benchmarks tests/DragGan.LoadTests; do
  dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:TorchBackend=cpu -o "$OUT/publish" -v q
done

step "fixture: G_ema to the native format, reference outputs beside it"
dotnet run -c Release --project tools/DragGan.ModelTool -- convert "$FIXTURE/stylegan2-tiny-256.pkl" "$OUT/fixture/stylegan2-tiny-256.safetensors"
cp "$FIXTURE"/seed42_ws.npy "$FIXTURE"/seed42_img.npy "$FIXTURE"/seed42_feat5.npy "$FIXTURE"/drag_reference.json "$OUT/fixture/"

step "CPU check: the published program against the converted fixture"
"$OUT/publish/DragGan.Benchmarks" --suite parity --fixture "$OUT/fixture/stylegan2-tiny-256.safetensors" --out "$OUT/parity-cpu.json" \
  | tee "$OUT/parity-cpu.log"
python3 - "$OUT/parity-cpu.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))['results']
bad = [r for r in rows if r['check'] == 'recorded-drag' and r['tracked_steps_equal'] != r['steps']]
bad += [r for r in rows if r['check'] == 'generator' and max(r['ws_max_abs_diff'], r['image_max_abs_diff'], r['feat_b128_max_abs_diff']) > 1e-3]
sys.exit(f'parity failed on CPU: {bad}' if bad else 0)
PY

step "strip libtorch 2.10 (every library of its package) and TorchSharp's stock native library, pack"
LIBTORCH_NATIVE=$(ls -d "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native | tail -1)
for lib in "$LIBTORCH_NATIVE"/* libLibTorchSharp.so; do
  rm -f "$OUT/publish/$(basename "$lib")"
done
XZ_OPT="-9e -T2" tar -cJf "$OUT/app.tar.xz" -C "$OUT" publish
rm -rf "$OUT/publish"

SIZE_MIB=$(( $(du -sk "$OUT" | cut -f1) / 1024 ))
du -sh "$OUT"/* | sed 's/^/   /'
if [ "$SIZE_MIB" -gt "$LIMIT_MIB" ]; then
  echo "$OUT is $SIZE_MIB MiB, over $LIMIT_MIB MiB" >&2
  exit 1
fi
echo "ready: $OUT ($SIZE_MIB MiB); on the GPU machine run bench/gpu/run.sh"
