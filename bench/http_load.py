"""P1 and B1 over HTTP: gunicorn (one worker per core) on 127.0.0.1:8014, wrk on the same
machine, loopback only, every run bounded in time (a few seconds each).

Throughput: wrk with 8 connections for SECONDS seconds, REPETITIONS times, the targets
interleaved. Latency: the same targets at a fixed load of half B1's median throughput
(4 connections, each waiting 4 / rate seconds between requests), p99 reported by wrk.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8014"))
HOST = f"http://127.0.0.1:{PORT}"
SECONDS = 4
REPETITIONS = 5
FIXED_LOAD_CONNECTIONS = 4


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("[bench] installing wrk (Debian package)...", flush=True)
    subprocess.run(
        ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-q", "wrk"],
        check=False,
        stdout=subprocess.DEVNULL,
    )
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=300", "update", "-q"], check=True)
        subprocess.run(
            ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-q", "wrk"],
            check=True,
        )
    return shutil.which("wrk")


class Gunicorn:
    def __init__(self, database_url: str, token: str):
        self.database_url = database_url
        self.token = token

    def __enter__(self):
        env = dict(
            os.environ, DJANGO_SETTINGS_MODULE="bench.settings", DATABASE_URL=self.database_url
        )
        workers = os.cpu_count() or 1
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "salon.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{PORT}",
                "--log-level",
                "warning",
                # gunicorn reads ./gunicorn.conf.py (production) too; its worker recycling
                # every ~1 000 requests restarts a worker every second or two at these
                # rates, and the restarts, not the app, made P1's p99 (docs/performance.md).
                "--max-requests",
                "0",
                "--access-logfile",
                "/dev/null",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(
                    f"{HOST}/bench/b1/1/", headers={"Authorization": f"Token {self.token}"}
                )
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not answer on {HOST} within 60 s")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        return False


def wrk_run(wrk: str, url: str, token: str, *, seconds: int, connections: int, delay_ms=0):
    env = dict(os.environ, BENCH_TOKEN=token, BENCH_DELAY_MS=str(delay_ms))
    output = subprocess.run(
        [
            wrk,
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "5s",
            "--script",
            str(ROOT / "bench" / "wrk.lua"),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    figures = json.loads(line.removeprefix("BENCH_JSON "))
    figures["per_second"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(
        figures[name] for name in ("non_2xx_3xx", "connect", "read", "write", "timeout")
    )
    return figures


def spread(values: list[float], digits=1) -> dict:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "repetitions": len(values),
        "samples": [round(value, digits) for value in values],
    }


def measure(*, database_url: str, token: str, meta: dict) -> dict:
    wrk = ensure_wrk()
    targets = {
        "B1_constant": "/bench/b1/{median}/",
        "B2_pk_get_http": "/bench/b2/{median}/",
        "P1_rewards_median": "/api/v1/clients/{median}/rewards/",
        "P1_rewards_whale": "/api/v1/clients/{whale}/rewards/",
    }
    urls = {
        name: HOST + path.format(median=meta["median"]["id"], whale=meta["whale"]["id"])
        for name, path in targets.items()
    }
    throughput = {name: [] for name in urls}
    latency = {name: [] for name in urls}
    errors = dict.fromkeys(urls, 0)
    with Gunicorn(database_url, token):
        for url in urls.values():  # warm-up: workers' connections, caches
            wrk_run(wrk, url, token, seconds=1, connections=8)
        for _ in range(REPETITIONS):
            for name, url in urls.items():
                figures = wrk_run(wrk, url, token, seconds=SECONDS, connections=8)
                throughput[name].append(figures["per_second"])
                errors[name] += figures["errors"]
        fixed_rate = statistics.median(throughput["B1_constant"]) / 2
        delay_ms = max(1, round(FIXED_LOAD_CONNECTIONS * 1000 / fixed_rate))
        achieved = {name: [] for name in urls}
        for _ in range(REPETITIONS):
            for name, url in urls.items():
                figures = wrk_run(
                    wrk,
                    url,
                    token,
                    seconds=SECONDS,
                    connections=FIXED_LOAD_CONNECTIONS,
                    delay_ms=delay_ms,
                )
                latency[name].append(figures["p99_us"] / 1000)
                achieved[name].append(figures["per_second"])
                errors[name] += figures["errors"]
    return {
        name: {
            "throughput_per_second": spread(throughput[name]),
            "p99_ms_at_fixed_load": spread(latency[name], 2),
            "fixed_load_achieved_per_second": spread(achieved[name]),
            "errors": errors[name],
            "url": urls[name],
        }
        for name in urls
    } | {
        "fixed_load": {
            "target_per_second": round(fixed_rate, 1),
            "connections": FIXED_LOAD_CONNECTIONS,
            "delay_ms": delay_ms,
        },
        "workers": os.cpu_count(),
        "seconds_per_run": SECONDS,
    }
