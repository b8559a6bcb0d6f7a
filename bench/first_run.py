#!/usr/bin/env python3
"""Row 10: a fresh clone's first `make run`, timed from `git clone` to the first 200 of /readyz.

Clones the repository into a new folder (no .build-release, so every package and module compiles), runs `make run`
there on a free port with its own data folder, stamps every line the build prints with the time it arrived, and
stops the shop (SIGINT to make's process group, as Ctrl-C would) as soon as /readyz answers 200. Then it charges
the build's wall time to packages with bench/build_costs.py. Debian and Python packages already installed on the
box are not installed again (scripts/install-deps.sh finds them), and SwiftPM's package cache in ~/.cache is warm:
the figure is compile and start time, which is what row 10 is about.

  bench/first_run.py [--source .] [--workdir /tmp/klelite-first-run]
    → JSON on standard output and in bench/results/first-run-STAMP.json (which BENCHMARKS.md's row 10 shows), the
      stamped log and the per-package table (costs.md) in the workdir
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--workdir", default="/tmp/klelite-first-run")
    parser.add_argument("--limit-minutes", type=float, default=60)
    options = parser.parse_args()
    shutil.rmtree(options.workdir, ignore_errors=True)
    os.makedirs(options.workdir)
    clone = os.path.join(options.workdir, "clone")
    log_path = os.path.join(options.workdir, "make-run.log")
    port = free_port()
    load_before = open("/proc/loadavg").read().split()[:3]
    started, wall_start = time.monotonic(), time.time()
    subprocess.run(["git", "clone", "-q", options.source, clone], check=True)
    environment = dict(os.environ, HTTP_PORT=str(port), HTTP_HOST="127.0.0.1", DATA_DIR=os.path.join(options.workdir, "data"))
    make = subprocess.Popen(["make", "run", f"DATA_DIR={environment['DATA_DIR']}"], cwd=clone, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                            start_new_session=True)

    def stamp():
        with open(log_path, "w") as log:
            for line in make.stdout:
                log.write(f"{time.time():.3f} {line}")
                log.flush()

    reader = threading.Thread(target=stamp, daemon=True)
    reader.start()
    ready, deadline = None, started + options.limit_minutes * 60
    while ready is None and time.monotonic() < deadline and make.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    ready = time.monotonic() - started
        except OSError:
            time.sleep(0.5)
    if make.poll() is None:
        os.killpg(make.pid, signal.SIGINT)
        try:
            make.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
    reader.join(timeout=5)
    build_dir = os.path.join(clone, ".build-release", "release")
    costs = subprocess.run([sys.executable, os.path.join(options.source, "bench", "build_costs.py"), log_path, build_dir],
                           capture_output=True, text=True).stdout if os.path.isdir(build_dir) else ""
    with open(os.path.join(options.workdir, "costs.md"), "w") as out:
        out.write(costs)
    head = subprocess.run(["git", "-C", clone, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout.strip()
    result = {"commit": head, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(wall_start)), "ready_after_s": ready,
              "exit": make.returncode, "load_before": load_before, "nproc": os.cpu_count(), "costs": costs}
    with open(os.path.join(options.source, "bench", "results", time.strftime("first-run-%Y%m%d-%H%M%S.json", time.gmtime(wall_start))), "w") as out:
        json.dump(result, out, indent=1)
    print(json.dumps(result, indent=1))
    return 0 if ready is not None else 1


if __name__ == "__main__":
    sys.exit(main())
