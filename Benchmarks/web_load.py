#!/usr/bin/env python3
"""kestrel-web under load (issue 22): wrk on loopback, 64 connections for 30 s on /api/classify (a 224x224 PNG
posted each request) and /api/recommend (MovieLens-100k, user 42), while the server's RSS is sampled every 0.5 s.
Reports req/s, p50/p99 latency, errors (socket errors, timeouts and non-2xx), RSS at start/end/peak.

    web_load.py --bin .build/release [--db DB] [--seconds 30] [--connections 64] [--out Benchmarks/web-results.md]

Without --db it imports ml-100k from $KESTREL_DATA/movielens-100k (or .data/ml-100k) into a temporary database.
"""
import argparse
import datetime
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def trend(samples):
    """'flat' when the RSS samples after the first stay within 3 % of each other, else the growth."""
    values = [mib for _, mib in samples[1:]] or [mib for _, mib in samples]
    spread = max(values) - min(values)
    if spread <= 0.03 * max(values):
        return f"flat (within {spread:.0f} MiB after the first 15 s)"
    return f"NOT flat: {values[0]:.0f} → {values[-1]:.0f} MiB after the first 15 s"


def seconds(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def wrk(url, args, script=None):
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "60s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    result = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "99"):
        result[f"p{pct}"] = seconds(re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    result.update(requests=total, errors=errors, raw=out)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=".build/release")
    ap.add_argument("--db")
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--soak", type=int, default=120, help="then classify for this long, RSS every 15 s (0: skip)")
    ap.add_argument("--out", default=os.path.join(ROOT, "Benchmarks/web-results.md"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="kestrel-web-load-")
    db = args.db
    if not db:
        data = os.path.join(os.environ.get("KESTREL_DATA", ""), "movielens-100k")
        if not os.path.exists(os.path.join(data, "u.data")):
            data = os.path.join(ROOT, ".data/ml-100k")
            subprocess.run([os.path.join(ROOT, ".ci/fetch-movielens.sh"), data], check=True)
        db = os.path.join(work, "ml-100k.sqlite")
        subprocess.run([f"{args.bin}/recommend", "import", "movielens", data, "--db", db], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([f"{args.bin}/recommend", "train", "--db", db], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([f"{args.bin}/kestrel-web", "--port", str(port), "--db", db],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=dict(os.environ, KESTREL_ASSETS=os.path.join(ROOT, "assets")))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/api/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        photo = os.path.join(work, "photo.png")
        # The shipped sample photo (451x300 PNG): each request decodes, resizes and classifies it.
        src = os.path.join(ROOT, "assets/samples/chelsea.png")
        with open(src, "rb") as f, open(photo, "wb") as g:
            g.write(f.read())
        lua = os.path.join(work, "post.lua")
        with open(lua, "w") as f:
            f.write('local f = io.open("%s", "rb")\nwrk.method = "POST"\nwrk.body = f:read("*a")\nf:close()\n'
                    'wrk.headers["Content-Type"] = "image/png"\n' % photo)
        rows = []
        for name, url, script in (("POST /api/classify (EfficientNet-Lite0, %d KB PNG)" %
                                   (os.path.getsize(photo) // 1024), base + "/api/classify?top=5", lua),
                                  ("GET /api/recommend?user=42&n=10 (ml-100k, svd)", base + "/api/recommend?user=42&n=10",
                                   None)):
            samples = []
            done = threading.Event()

            def sample():
                while not done.is_set():
                    samples.append(rss_mib(server.pid))
                    time.sleep(0.5)

            urllib.request.urlopen(url.replace("/api/classify?top=5", "/api/health"), timeout=60)
            sampler = threading.Thread(target=sample)
            sampler.start()
            result = wrk(url, args, script)
            done.set()
            sampler.join()
            result.update(rss_start=samples[0], rss_end=samples[-1], rss_peak=max(samples),
                          rss_mid=samples[min(20, len(samples) - 1)])  # 10 s in
            rows.append((name, result))
            print(result["raw"])
        soak = []
        if args.soak:
            done = threading.Event()

            def every15():
                began = time.time()
                while not done.wait(15):
                    soak.append((round(time.time() - began), rss_mib(server.pid)))

            sampler = threading.Thread(target=every15)
            sampler.start()
            long_args = argparse.Namespace(**vars(args))
            long_args.seconds = args.soak
            soak_result = wrk(base + "/api/classify?top=5", long_args, lua)
            done.set()
            sampler.join()
    finally:
        server.terminate()
        server.wait()
    date = datetime.date.today().isoformat()
    lines = [f"## kestrel-web under load (`make bench-web`, {date})", "",
             f"`wrk -t{args.threads} -c{args.connections} -d{args.seconds}s --latency` on loopback against the release "
             f"`kestrel-web` ({os.cpu_count()} CPUs, the client on the same machine); the server's RSS sampled every "
             "0.5 s during the run. Engine work is serialised on one queue (request parsing, image decoding and "
             "JSON run concurrently), so latency under 64 connections is queueing: p50 ≈ connections / throughput.", "",
             "| route | requests | req/s | p50 | p99 | errors | RSS before → at 10 s → at the end (peak), MiB |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for name, r in rows:
        lines.append(f"| {name} | {r['requests']:,} | {r['requests_per_s']:,.1f} | {r['p50'] * 1000:,.1f} ms | "
                     f"{r['p99'] * 1000:,.1f} ms | {r['errors']} | {r['rss_start']:.0f} → {r['rss_mid']:.0f} → "
                     f"{r['rss_end']:.0f} ({r['rss_peak']:.0f}) |")
    if soak:
        lines += ["", f"Then {args.soak} s more of `/api/classify` on the same server ({soak_result['requests']:,} requests, "
                  f"{soak_result['errors']} errors, {soak_result['requests_per_s']:.1f} req/s): RSS every 15 s "
                  + ", ".join(f"{mib:.0f}" for _, mib in soak) + f" MiB: {trend(soak)}."]
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)
    return 1 if any(r["errors"] for _, r in rows) or (soak and soak_result["errors"]) else 0


if __name__ == "__main__":
    sys.exit(main())
