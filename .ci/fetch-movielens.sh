#!/usr/bin/env bash
# Obtains MovieLens-100k (ml-100k layout: u.data, u.item, u.genre) into DEST (default .data/ml-100k).
# MovieLens may not be redistributed, so Kestrel never commits it: this script tries the official GroupLens
# download (MD5 checked) and, where that host is unreachable, PyPI's recbole 1.2.1 wheel (SHA-256 checked),
# which carries ml-100k in RecBole's atomic format; it is converted back to the original layout.
set -euo pipefail
dest=${1:-.data/ml-100k}
if [ -s "$dest/u.data" ] && [ -s "$dest/u.item" ]; then
  exit 0
fi
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

url=https://files.grouplens.org/datasets/movielens/ml-100k.zip
zip_md5=0e33842e24a9c977be4e0107933c0723
if curl -fsSL --connect-timeout 5 --max-time 60 -o "$tmp/ml-100k.zip" "$url" 2>/dev/null &&
  echo "$zip_md5  $tmp/ml-100k.zip" | md5sum -c --quiet 2>/dev/null; then
  python3 - "$tmp/ml-100k.zip" "$dest" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for name in ("u.data", "u.item", "u.genre", "u.user"):
    open(f"{sys.argv[2]}/{name}", "wb").write(z.read(f"ml-100k/{name}"))
PY
  echo "ml-100k: downloaded from GroupLens into $dest"
  exit 0
fi

echo "ml-100k: GroupLens unreachable; using PyPI's recbole 1.2.1 wheel"
wheel_sha=9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407
python3 -m pip download --quiet --no-deps recbole==1.2.1 -d "$tmp" >/dev/null
echo "$wheel_sha  $tmp/recbole-1.2.1-py3-none-any.whl" | sha256sum -c --quiet
python3 - "$tmp/recbole-1.2.1-py3-none-any.whl" "$dest" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
base = "recbole/dataset_example/ml-100k/ml-100k"
genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
          "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
inter = z.read(base + ".inter").decode("latin-1").splitlines()[1:]
with open(f"{sys.argv[2]}/u.data", "w", encoding="latin-1", newline="\n") as f:
    for line in inter:
        u, i, r, t = line.split("\t")
        f.write(f"{u}\t{i}\t{int(float(r))}\t{int(float(t))}\n")
items = z.read(base + ".item").decode("latin-1").splitlines()[1:]
with open(f"{sys.argv[2]}/u.item", "w", encoding="latin-1", newline="\n") as f:
    for line in items:
        iid, title, year, cls = (line.split("\t") + ["", "", ""])[:4]
        have = set(cls.split())
        flags = "|".join("1" if g in have else "0" for g in genres)
        full = f"{title} ({year})" if year else title
        f.write(f"{iid}|{full}|||{flags}\n")
with open(f"{sys.argv[2]}/u.genre", "w") as f:
    for k, g in enumerate(genres):
        f.write(f"{g}|{k}\n")
PY
echo "ml-100k: converted from the recbole wheel into $dest"
