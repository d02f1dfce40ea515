"""Data-parallel scaling on this machine, written into BENCHMARKS.md between the `scaling` markers.

    make bench-scaling              # builds release, runs this
    python Benchmarks/scaling.py --bin .build/release

1. Training throughput of the W3, W5 and W6 shapes (`kestrel-bench ddp`): one rank × 1 thread alone, then
   `mpirun -np 2` × 1 thread each on this host, alternating, `--rounds` times; speed-up = 2-rank samples/s over
   1-rank samples/s, efficiency = speed-up / 2, and the share of step time spent in allreduce that backward did not
   hide (mean over ranks).
2. Allreduce bandwidth for 1-64 MB between two network namespaces over TCP (Tests/Distributed/two-namespaces.sh,
   root only): Kestrel's MPI_Allreduce and its DDP bucket path (`kestrel-bench allreduce`) beside the plain C
   MPI_Allreduce loop of Benchmarks/reference-mpi/allreduce.c, same launcher, same run.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", KESTREL_THREADS="1")


def run_rows(cmd):
    """Runs cmd (which appends JSON rows to a temp file given as --json, or prints them) and returns the rows."""
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", delete=False) as f:
        path = f.name
    os.remove(path)
    full = [c.replace("{json}", path) for c in cmd]
    print("$ " + " ".join(full), flush=True)
    p = subprocess.run(full, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(p.stdout)
    if p.returncode != 0:
        raise SystemExit(f"command failed ({p.returncode}): {' '.join(full)}")
    text = open(path).read() if os.path.exists(path) else p.stdout
    if os.path.exists(path):
        os.remove(path)
    return [json.loads(l) for l in text.splitlines() if l.startswith("{")]


def scaling(args):
    bench = os.path.join(args.bin, "kestrel-bench")
    out = []
    for shape in ("w3", "w5", "w6"):
        one, two, share = [], [], []
        base = [bench, "ddp", "--shape", shape, "--threads", "1", "--reps", str(args.reps), "--json", "{json}"]
        for _ in range(args.rounds):
            r1 = run_rows(base)
            r2 = run_rows(["mpirun", "--oversubscribe", "-np", "2"] + base)
            one.append(next(r["median"] for r in r1 if "median" in r))
            two.append(next(r["median"] for r in r2 if "median" in r))
            share.append(next(r["value"] for r in r2 if r["metric"].startswith("share")))
            params = next(r["value"] for r in r1 if r["metric"] == "parameters")
        unit = next(r["unit"] for r in r1 if "median" in r)
        a, b = statistics.median(one), statistics.median(two)
        # This VM's speed drifts between runs (up to 1.5x within minutes), so the speed-up is the median of each
        # round's ratio of adjacent 2-rank and 1-rank runs rather than a ratio of medians.
        ratio = statistics.median(y / x for x, y in zip(one, two))
        out.append(dict(shape=shape, unit=unit, one=a, two=b, speedup=ratio, share=statistics.median(share), parameters=int(params),
                        ratios=[y / x for x, y in zip(one, two)]))
    return out


def bandwidth(args):
    script = os.path.join(ROOT, "Tests", "Distributed", "two-namespaces.sh")
    ref = os.path.join(tempfile.gettempdir(), "kestrel-allreduce-ref")
    subprocess.run(["mpicc", "-O2", "-o", ref, os.path.join(HERE, "reference-mpi", "allreduce.c")], check=True)
    bench = os.path.join(args.bin, "kestrel-bench")
    rows = []
    for _ in range(args.rounds):
        rows += run_rows([script, ref, str(args.reps)])
        rows += run_rows([script, bench, "allreduce", "--threads", "1", "--reps", str(args.reps), "--json", "{json}"])
    table = {}
    for r in rows:
        mb = int(r["metric"].split()[0])
        table.setdefault(mb, {}).setdefault(r["framework"], []).append(r["median"])
    return {mb: {k: statistics.median(v) for k, v in d.items()} for mb, d in sorted(table.items())}


def markdown(sc, bw, args):
    day = datetime.date.today().isoformat()
    lines = [
        "<!-- scaling:begin -->",
        f"### Data-parallel scaling (`make bench-scaling`, {day}, {os.cpu_count()} CPUs, {args.rounds} rounds, medians)",
        "",
        "Training throughput, release build, 1 thread per rank; 2 ranks on this host (`mpirun --oversubscribe -np 2`,",
        "shared memory) against 1 rank alone, alternating in the same run; speed-up is the median over rounds of adjacent",
        "runs' ratio. \"allreduce share\" is the part of rank step",
        "time spent on gradient allreduce that backward did not hide (packing, starting buckets, waiting after backward).",
        "",
        "| shape | per-rank batch | 1 rank | 2 ranks | speed-up (median of rounds; all rounds) | efficiency | allreduce share |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    batch = {"w3": "64 images 3×32×32", "w5": "16×128 tokens", "w6": "32 pairs, 32→32 tokens"}
    for r in sc:
        lines.append(
            f"| {r['shape'].upper()} | {batch[r['shape']]} | {r['one']:,.0f} {r['unit']} | {r['two']:,.0f} {r['unit']} "
            f"| {r['speedup']:.2f}× ({', '.join(f'{x:.2f}' for x in r['ratios'])}) | {50 * r['speedup']:.0f} % "
            f"| {r['share']:.1f} % |"
        )
    if bw:
        lines += [
            "",
            "Allreduce bandwidth (MB of buffer per second) between two network namespaces joined by a veth pair, TCP",
            "(`Tests/Distributed/two-namespaces.sh`), Kestrel beside the C loop of `Benchmarks/reference-mpi/allreduce.c`:",
            "",
            "| buffer | C MPI_Allreduce | Kestrel MPI_Allreduce | ratio | Kestrel DDP buckets (pack, Iallreduce, unpack) | ratio |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for mb, d in bw.items():
            c, k, q = d.get("C MPI_Allreduce", 0), d.get("kestrel MPI_Allreduce", 0), d.get("kestrel DDP buckets", 0)
            lines.append(f"| {mb} MB | {c:,.0f} | {k:,.0f} | {k / c:.2f} | {q:,.0f} | {q / c:.2f} |")
    lines.append("<!-- scaling:end -->")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--skip-bandwidth", action="store_true", help="no namespaces (not root)")
    args = ap.parse_args()
    sc = scaling(args)
    bw = {} if args.skip_bandwidth or os.geteuid() != 0 else bandwidth(args)
    md = markdown(sc, bw, args)
    print(md)
    text = open(args.out).read()
    if "<!-- scaling:begin -->" in text:
        head, rest = text.split("<!-- scaling:begin -->", 1)
        text = head + md + rest.split("<!-- scaling:end -->", 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + md + "\n"
    with open(args.out + ".tmp", "w") as f:
        f.write(text)
    os.replace(args.out + ".tmp", args.out)
    with open(os.path.join(HERE, "results", "scaling.json"), "w") as f:
        json.dump(dict(date=datetime.date.today().isoformat(), scaling=sc, bandwidth=bw), f, indent=1)


if __name__ == "__main__":
    main()
