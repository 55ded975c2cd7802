#!/usr/bin/env python3
"""Side by side, one thread each: the Mesa peer (idiomatic agents and its numpy variant) and
`simulate scenarios/baseline.toml --runs 1000 --threads 1` (the whole process: start-up,
scenario loading, the runs, summary files and every plot), once into a fresh folder and once
again into the same folder (where the history start the first run saved is reused).

Usage (from the repository root, after `cargo build --release`):

    python3 -m venv /tmp/mesa_venv && /tmp/mesa_venv/bin/pip install -r PEER/requirements.txt
    /tmp/mesa_venv/bin/python benches/side_by_side.py --peer PEER [--reps 3]

PEER is the peer's folder (mesa_hedging); its code is imported, not copied. The three are
timed in turn, `--reps` times, and the median of each is reported with the load average at
the time, since the machine may be shared. Every process is pinned to one CPU with
`taskset` when it is available.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pin():
    return ["taskset", "-c", "0"] if shutil.which("taskset") else []


def mesa_rate(peer, vectorised, runs):
    """Runs/s of `runs` back-to-back runs of the peer in a fresh one-thread process."""
    code = (
        "import sys, time, os\n"
        f"sys.path.insert(0, {peer!r}); os.chdir({peer!r})\n"
        "from model import simulate\n"
        "t = time.perf_counter()\n"
        f"for s in range({runs}):\n"
        f"    m = simulate(seed=s, vectorised={vectorised})\n"
        "    m.datacollector.get_model_vars_dataframe().to_dict('records')\n"
        "print(time.perf_counter() - t)\n"
    )
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run(pin() + [sys.executable, "-c", code], check=True, env=env,
                         capture_output=True, text=True).stdout
    return runs / float(out.strip().splitlines()[-1])


def simulate_once(binary, runs, out):
    """Seconds of the whole `simulate` process for a `runs`-run study on one thread."""
    t = time.perf_counter()
    subprocess.run(pin() + [binary, "scenarios/baseline.toml", "--runs", str(runs),
                            "--threads", "1", "-q", "--out", out],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def simulate_rates(binary, runs):
    """Runs/s into a fresh folder (the baseline's start runs its 100-run history ensemble) and
    again into the same folder (the edit-and-run-again loop: the saved history start is
    reused)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "b")
        cold = simulate_once(binary, runs, out)
        warm = simulate_once(binary, runs, out)
        return runs / cold, runs / warm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True, help="the mesa_hedging folder")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--mesa-runs", type=int, default=10)
    ap.add_argument("--numpy-runs", type=int, default=40)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/simulate"))
    args = ap.parse_args()
    rates = {"mesa": [], "numpy": [], "cold": [], "warm": []}
    loads = []
    for _ in range(args.reps):
        loads.append(os.getloadavg()[0])
        rates["mesa"].append(mesa_rate(args.peer, False, args.mesa_runs))
        rates["numpy"].append(mesa_rate(args.peer, True, args.numpy_runs))
        cold, warm = simulate_rates(args.binary, args.runs)
        rates["cold"].append(cold)
        rates["warm"].append(warm)
    loads.append(os.getloadavg()[0])
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"load average (1 min) during the measurement: {min(loads):.2f} to {max(loads):.2f} "
          f"on {os.cpu_count()} CPUs; {args.reps} repetitions, medians")
    print(f"{'':>50} {'runs/s':>9}   repetitions")
    names = {"mesa": f"Mesa agents ({args.mesa_runs} runs)",
             "numpy": f"Mesa + numpy ({args.numpy_runs} runs)",
             "cold": f"simulate, {args.runs} runs, fresh folder",
             "warm": f"simulate, {args.runs} runs, same folder again"}
    for k, name in names.items():
        print(f"{name:>50} {med[k]:9.1f}   " + " ".join(f"{r:.1f}" for r in rates[k]))
    for k in ("cold", "warm"):
        print(f"{k}: ratio to Mesa agents {med[k] / med['mesa']:.0f}x (goal >= 200x), "
              f"to Mesa + numpy {med[k] / med['numpy']:.0f}x (goal >= 40x)")


if __name__ == "__main__":
    main()
