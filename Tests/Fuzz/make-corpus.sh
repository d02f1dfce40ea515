#!/bin/sh
# Makes the fuzzers' seed corpus in Tests/Fuzz/corpus/<target>/ from files already in the repository (small test
# fixtures, shipped tracks, the configs of the shipped checkpoints) and a few hand-written edge cases. Run from the
# repository root; idempotent. `make fuzz` grows a copy of it; crashes found are kept in Tests/Fuzz/regressions/.
set -eu
out=Tests/Fuzz/corpus
rm -rf "$out"
mkdir -p "$out"
for t in safetensors idx image cifar track gridworld csv config recommend-model; do mkdir -p "$out/$t"; done

cp Tests/EngineTests/Fixtures/golden-seq.safetensors "$out/safetensors/"
python3 - "$out" <<'PY'
import json, struct, sys
out = sys.argv[1]
def st(name, header, data=b""):
    h = json.dumps(header).encode()
    open(f"{out}/safetensors/{name}", "wb").write(struct.pack("<Q", len(h)) + h + data)
st("tiny-f32", {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}, "__metadata__": {"k": "v"}}, bytes(16))
st("tiny-f16", {"w": {"dtype": "F16", "shape": [3], "data_offsets": [0, 6]}}, bytes(6))
st("tiny-bf16-f64", {"a": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]},
                     "b": {"dtype": "F64", "shape": [1], "data_offsets": [2, 10]}}, bytes(10))
st("overflow", {"w": {"dtype": "F32", "shape": [2**31, 2**31, 4], "data_offsets": [0, 16]}}, bytes(16))
# IDX: 2 images of 3x3, labels, an overflowing header
def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + data
open(f"{out}/idx/images", "wb").write(idx([2, 3, 3], bytes(range(18))))
open(f"{out}/idx/labels", "wb").write(idx([2], bytes([1, 7])))
open(f"{out}/idx/overflow", "wb").write(idx([16, 2**30, 2**30], bytes(16)))
# CIFAR-10: one record (label + 3072 bytes)
open(f"{out}/cifar/one-record", "wb").write(bytes([3]) + bytes(3072))
PY
cp Tests/CLITests/Fixtures/gray16.png Tests/CLITests/Fixtures/palette.png Tests/CLITests/Fixtures/rgb_interlaced.png \
  Tests/CLITests/Fixtures/gray_alpha.png Tests/CLITests/Fixtures/tiny.jpg "$out/image/"
cp assets/tracks/*.track "$out/track/"
printf 'width 10\npoint 0 0\npoint 80 0\npoint 80 60\n' >"$out/track/triangle"
printf 'S..\n.#.\n..G\n' >"$out/gridworld/tiny"
printf '// REINFORCEjs-style\nS...X\n.##..\n....G\n' >"$out/gridworld/cliffs"
head -c 2000 Tests/CLITests/Fixtures/ratings.csv >"$out/csv/ratings"
cp Tests/CLITests/Fixtures/items.csv "$out/csv/items"
# The configs of the shipped checkpoints (textgen, translate, gan, classify), as their kestrel.config JSON.
python3 - "$out" <<'PY'
import json, struct, sys, glob
out = sys.argv[1]
for path in sorted(glob.glob("assets/*/*.safetensors")):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        meta = json.loads(f.read(n)).get("__metadata__", {})
    if "kestrel.config" in meta:
        name = path.split("/")[-1].replace(".safetensors", "")
        open(f"{out}/config/{name}.json", "w").write(meta["kestrel.config"])
PY
# A stored recommend model: trained on the CSV fixture, read back from SQLite.
db=$(mktemp -d)/r.sqlite
if [ -x .build/debug/recommend ] && command -v sqlite3 >/dev/null; then
  .build/debug/recommend import csv Tests/CLITests/Fixtures/ratings.csv --items Tests/CLITests/Fixtures/items.csv \
    --db "$db" >/dev/null 2>&1
  for algo in svd als knn; do
    .build/debug/recommend train --algo "$algo" --epochs 2 --db "$db" >/dev/null 2>&1
    sqlite3 "$db" "select writefile('$out/recommend-model/$algo', factors) from models where algo = '$algo'" >/dev/null
  done
fi
du -sh "$out"
