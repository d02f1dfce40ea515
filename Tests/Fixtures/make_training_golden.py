#!/usr/bin/env python3
"""Makes Tests/CLITests/Fixtures/training-golden: tiny inputs (a corpus, a TSV of pairs) and, for each app's training
recipe, the per-evaluation losses that a given build prints (its OUT.metrics.csv without the timing columns, and
rl-drive's evaluation lines).

The committed golden files were made with the binaries of commit 47ae873 (before the trainers moved onto the one
TrainingRun), so TrainingRunEquivalenceTests checks that the refactored trainers reproduce them:

    python3 Tests/Fixtures/make_training_golden.py --bin /path/to/old/.build/debug

Every run uses KESTREL_THREADS=1 and fixed seeds."""
import argparse, csv, json, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "Tests", "CLITests", "Fixtures", "training-golden")
FASHION5 = os.path.join(ROOT, "assets", "datasets", "fashion5")

# The recipes (shared with TrainingRunEquivalenceTests): {corpus}, {pairs}, {fashion5} and {out} are filled in.
with open(os.path.join(OUT, "recipes.json")) as f:
    _recipes = json.load(f)
RECIPES = _recipes["metrics"]
# rl-drive: the lines of standard output that mention a return (up to " →", which precedes paths and timings).
STDOUT_RECIPES = _recipes["stdout"]
TIMING = {"seconds"}


def return_lines(stdout):
    keep = [line.split(" →")[0] for line in stdout.splitlines() if "return" in line]
    return "\n".join(keep) + "\n"


def corpus_text():
    words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "深度", "学习", "模型", "数据"]
    lines = []
    for i in range(120):
        lines.append(" ".join(words[(i * k) % len(words)] for k in range(1, 9)) + ".")
    return "\n".join(lines) + "\n"


def pairs_text():
    en = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    zh = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
    rows = []
    for i in range(90):
        a, b = i % 10, (i // 10) % 10
        rows.append(f"{en[a]} and {en[b]}\t{zh[a]}和{zh[b]}")
    return "\n".join(rows) + "\n"


def write_inputs():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "corpus.txt"), "w", encoding="utf-8") as f:
        f.write(corpus_text())
    with open(os.path.join(OUT, "pairs.tsv"), "w", encoding="utf-8") as f:
        f.write(pairs_text())


def losses(metrics_path):
    with open(metrics_path, newline="") as f:
        rows = list(csv.reader(f))
    keep = [i for i, name in enumerate(rows[0]) if name not in TIMING]
    return "\n".join(",".join(r[i] for i in keep) for r in rows) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="folder of the built apps (textgen, translate, classify, gan)")
    ap.add_argument("--out", default=OUT, help="where to write the golden CSVs (default: the fixture folder)")
    args = ap.parse_args()
    write_inputs()
    env = dict(os.environ, KESTREL_THREADS="1", KESTREL_ASSETS=os.path.join(ROOT, "assets"))
    with tempfile.TemporaryDirectory() as tmp:
        for name, recipe in list(RECIPES.items()) + list(STDOUT_RECIPES.items()):
            out = os.path.join(tmp, name + ".safetensors")
            argv = [a.format(corpus=os.path.join(OUT, "corpus.txt"), pairs=os.path.join(OUT, "pairs.tsv"), out=out,
                             fashion5=FASHION5) for a in recipe]
            argv[0] = os.path.join(args.bin, argv[0])
            r = subprocess.run(argv, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"{name}: exit {r.returncode}\n{r.stderr}")
            os.makedirs(args.out, exist_ok=True)
            with open(os.path.join(args.out, name + ".csv"), "w") as f:
                f.write(return_lines(r.stdout) if name in STDOUT_RECIPES else losses(out + ".metrics.csv"))
            print(f"{name}: {len(open(os.path.join(args.out, name + '.csv')).read().splitlines()) - 1} evaluations")


if __name__ == "__main__":
    main()
