#!/usr/bin/env python3
"""Makes Tests/CLITests/Fixtures/training-golden: tiny inputs (a corpus, a TSV of pairs) and, for each app's training
recipe, the per-evaluation losses that a given build prints (its OUT.metrics.csv without the timing columns, and
rl-drive's evaluation lines).

The committed golden files were made with the binaries of commit 47ae873 (before the trainers moved onto the one
TrainingRun), so TrainingRunEquivalenceTests checks that the refactored trainers reproduce them:

    python3 Tests/Fixtures/make_training_golden.py --bin /path/to/old/.build/debug

Every run uses KESTREL_THREADS=1 and fixed seeds."""
import argparse, csv, io, os, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "Tests", "CLITests", "Fixtures", "training-golden")
FASHION5 = os.path.join(ROOT, "assets", "datasets", "fashion5")

# The recipes: app, arguments after `train` (OUT and the inputs are filled in).
RECIPES = {
    "textgen-gpt": ["textgen", "train", "--data", "{corpus}", "--model", "gpt", "--layers", "1", "--width", "32",
                    "--context", "16", "--batch-size", "4", "--steps", "12", "--eval-every", "4",
                    "--eval-batches", "2", "--sample-length", "10", "--out", "{out}"],
    "textgen-lstm": ["textgen", "train", "--data", "{corpus}", "--model", "lstm", "--layers", "1", "--width", "32",
                     "--context", "16", "--batch-size", "4", "--steps", "12", "--eval-every", "4",
                     "--eval-batches", "2", "--sample-length", "10", "--out", "{out}"],
    "translate": ["translate", "train", "--pairs", "{pairs}", "--width", "16", "--heads", "2", "--encoder-layers", "1",
                  "--decoder-layers", "1", "--feed-forward", "32", "--src-vocab", "64", "--tgt-vocab", "64",
                  "--batch-size", "8", "--steps", "8", "--eval-every", "4", "--bleu-sentences", "3", "--out", "{out}"],
    "classify": ["classify", "train", "--dataset", "folder:" + FASHION5, "--size", "28", "--channels", "1", "--arch",
                 "lenet", "--batch-size", "16", "--epochs", "2", "--out", "{out}"],
    "gan": ["gan", "train", "--dataset", "folder:" + FASHION5, "--size", "28", "--channels", "1", "--width", "8",
            "--batch-size", "16", "--max-steps", "3", "--epochs", "2", "--out", "{out}"],
}
TIMING = {"seconds"}


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
        for name, recipe in RECIPES.items():
            out = os.path.join(tmp, name + ".safetensors")
            argv = [a.format(corpus=os.path.join(OUT, "corpus.txt"), pairs=os.path.join(OUT, "pairs.tsv"), out=out)
                    for a in recipe]
            argv[0] = os.path.join(args.bin, argv[0])
            r = subprocess.run(argv, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"{name}: exit {r.returncode}\n{r.stderr}")
            os.makedirs(args.out, exist_ok=True)
            with open(os.path.join(args.out, name + ".csv"), "w") as f:
                f.write(losses(out + ".metrics.csv"))
            print(f"{name}: {len(open(os.path.join(args.out, name + '.csv')).read().splitlines()) - 1} evaluations")


if __name__ == "__main__":
    main()
