#!/usr/bin/env bash
# Prepares, on a machine with .NET, everything bench/gpu/run.sh needs on the GPU machine (which has
# PyTorch but no .NET and no network), in .gpu/ (git-ignored; the device run carries it):
#   .gpu/app.tar.xz   trimmed self-contained publishes of the benchmark (app/bench) and load-test
#                     (app/load) programs, without TorchSharp's libtorch 2.10 libraries (run.sh
#                     supplies the GPU machine's own)
#   .gpu/src/         TorchSharp's native sources at the 0.107.0 commit, and the reference's Python
#   .gpu/fixture/     the fixture's G_ema in the native format, with its reference outputs
# Before stripping libtorch it runs, on CPU, the parity suite from the benchmark's publish against
# the converted fixture and a short load test from the load test's publish: what can be proven
# without a GPU, trimmed code included. Fails if .gpu/ is over LIMIT_MIB, or if it and the working
# tree together would not fit a device run (64 MiB).
#
#   TORCHSHARP_GIT=<git dir of dotnet/TorchSharp> DRAGGAN_GIT=<git dir of XingangPan/DragGAN> bench/gpu/prepare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

TORCHSHARP_COMMIT=c20b6a1c          # "Update release notes (#1565)": TorchSharp 0.107.0
DRAGGAN_COMMIT=336f120ce126aca6f55dc58537e76c10d19eabd0
TORCHSHARP_GIT=${TORCHSHARP_GIT:?set TORCHSHARP_GIT to a git directory of dotnet/TorchSharp}
DRAGGAN_GIT=${DRAGGAN_GIT:?set DRAGGAN_GIT to a git directory of XingangPan/DragGAN}
FIXTURE=${FIXTURE:-../shared/fixtures/stylegan2-tiny-256}
LIMIT_MIB=${LIMIT_MIB:-52}          # the bundle alone; with the working tree a device run carries at most 64 MiB
CARRY_LIMIT_MIB=60                  # bundle plus working tree, with margin under those 64 MiB
OUT=.gpu

step() { echo "== $*"; }
rm -rf "$OUT"
mkdir -p "$OUT/src/DragGAN" "$OUT/fixture"

step "sources: TorchSharp $TORCHSHARP_COMMIT src/Native/LibTorchSharp, DragGAN $DRAGGAN_COMMIT (Python and its ops' C++/CUDA)"
# One file at a time from the object database: a mirror without some large binaries still serves
# every file needed, and any file it lacks stops the script by name.
copy_files() { # git-dir commit destination < paths
  local git_dir=$1 commit=$2 destination=$3 path count=0
  while IFS= read -r path; do
    mkdir -p "$destination/$(dirname "$path")"
    git --git-dir "$git_dir" cat-file blob "$commit:$path" > "$destination/$path" \
      || { echo "missing in $git_dir at $commit: $path" >&2; exit 1; }
    count=$((count + 1))
  done
  [ "$count" -gt 0 ] || { echo "no files taken from $git_dir at $commit" >&2; exit 1; }
  echo "   $count files from $(basename "$(dirname "$git_dir")")"
}
git --git-dir "$TORCHSHARP_GIT" ls-tree -r --name-only "$TORCHSHARP_COMMIT" -- src/Native/LibTorchSharp \
  | copy_files "$TORCHSHARP_GIT" "$TORCHSHARP_COMMIT" "$OUT/src"
# Only the code: the Python modules and the custom ops' sources, which its plugins compile with nvcc.
git --git-dir "$DRAGGAN_GIT" ls-tree -r --name-only "$DRAGGAN_COMMIT" \
  | grep -E '\.py$|^torch_utils/ops/.*\.(cpp|cu|h)$' \
  | copy_files "$DRAGGAN_GIT" "$DRAGGAN_COMMIT" "$OUT/src/DragGAN"
for required in src/src/Native/LibTorchSharp/CMakeLists.txt src/DragGAN/viz/renderer.py src/DragGAN/training/networks_stylegan2.py; do
  [ -s "$OUT/$required" ] || { echo "$OUT/$required is missing" >&2; exit 1; }
done

step "publish, trimmed (self-contained, linux-x64): app/bench and app/load"
# Partial trimming trims only the assemblies marked trimmable (the framework, ASP.NET Core, gRPC);
# TorchSharp and the project's own assemblies stay whole (each program roots TorchSharp too). The
# trimmer's warnings are about that reflection, which the CPU checks below exercise. Each program
# gets its own folder, since each is trimmed for itself; xz's window takes their common files once.
# The trimmer's output is cached per project and does not notice changed properties: start clean.
# Trimming turns on the configuration-binding source generator, which cannot generate the hosts'
# generic options binding (AddValidatedOptions<T>): binding stays reflection-based, as in the
# services, and the load test's CPU check below binds the inference host's options through it.
trim=(-p:PublishTrimmed=true -p:TrimMode=partial -p:SuppressTrimAnalysisWarnings=true
      -p:InvariantGlobalization=true -p:DebugType=none -p:EnableConfigurationBindingGenerator=false)
for name in bench:DragGan.Benchmarks load:DragGan.LoadTests; do
  folder=${name%%:*} project=tests/${name#*:}
  rm -rf "$project/obj/Release/net10.0/linux-x64"
  dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:TorchBackend=cpu "${trim[@]}" \
    -o "$OUT/app/$folder" -v q
done

step "fixture: G_ema to the native format, reference outputs beside it"
dotnet run -c Release --project tools/DragGan.ModelTool -- convert "$FIXTURE/stylegan2-tiny-256.pkl" "$OUT/fixture/stylegan2-tiny-256.safetensors"
cp "$FIXTURE"/seed42_ws.npy "$FIXTURE"/seed42_img.npy "$FIXTURE"/seed42_feat5.npy "$FIXTURE"/drag_reference.json "$OUT/fixture/"

step "CPU check: the published benchmark against the converted fixture"
"$OUT/app/bench/DragGan.Benchmarks" --suite parity --fixture "$OUT/fixture/stylegan2-tiny-256.safetensors" --out "$OUT/parity-cpu.json" \
  | tee "$OUT/parity-cpu.log"
python3 - "$OUT/parity-cpu.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))['results']
bad = [r for r in rows if r['check'] == 'recorded-drag' and r['tracked_steps_equal'] != r['steps']]
bad += [r for r in rows if r['check'] == 'generator' and max(r['ws_max_abs_diff'], r['image_max_abs_diff'], r['feat_b128_max_abs_diff']) > 1e-3]
sys.exit(f'parity failed on CPU: {bad}' if bad else 0)
PY

step "CPU check: the published load test, one stream for a few seconds on the converted fixture"
"$OUT/app/load/DragGan.LoadTests" --streams 1 --seconds 10 --checkpoint "$OUT/fixture/stylegan2-tiny-256.safetensors" --out "$OUT/load-cpu.json" \
  > "$OUT/load-cpu.log" 2>&1 || { tail -n 20 "$OUT/load-cpu.log" >&2; exit 1; }
grep '^suite=' "$OUT/load-cpu.log"
python3 - "$OUT/load-cpu.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))['results']
sys.exit(f'load test failed on CPU: {rows}' if not rows or any(r['errors'] or not r['frames_received'] for r in rows) else 0)
PY

step "strip libtorch 2.10 (every library of its package) and TorchSharp's stock native library, pack"
LIBTORCH_NATIVE=$(ls -d "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native | tail -1)
for folder in "$OUT"/app/*; do
  for lib in "$LIBTORCH_NATIVE"/* libLibTorchSharp.so; do
    rm -f "$folder/$(basename "$lib")"
  done
  # The perceptual distance's ResNet18 (64 MB), which no GPU measurement here uses.
  rm -rf "$folder/DnnImageModels"
done
XZ_OPT="-9e -T2" tar -cJf "$OUT/app.tar.xz" -C "$OUT" app
rm -rf "$OUT/app"

SIZE_MIB=$(( $(du -sk "$OUT" | cut -f1) / 1024 ))
# What a device run sends besides: tracked and untracked-not-ignored files.
TREE_MIB=$(( $(git ls-files -z --cached --others --exclude-standard | du -ck --files0-from=- 2>/dev/null | tail -1 | cut -f1) / 1024 ))
du -sh "$OUT"/* | sed 's/^/   /'
echo "bundle $SIZE_MIB MiB (limit $LIMIT_MIB), working tree $TREE_MIB MiB, together $((SIZE_MIB + TREE_MIB)) MiB (limit $CARRY_LIMIT_MIB)"
if [ "$SIZE_MIB" -gt "$LIMIT_MIB" ] || [ $((SIZE_MIB + TREE_MIB)) -gt "$CARRY_LIMIT_MIB" ]; then
  echo "$OUT is too large for a device run" >&2
  exit 1
fi
echo "ready: $OUT ($SIZE_MIB MiB); on the GPU machine run bench/gpu/run.sh"
