"""A private redis-server child process: on a unix socket in the data dir (embedded mode) or on a TCP port
(tests). Redis holds queues and transient state only; append-only persistence keeps queued jobs
across a restart of the box.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

READY_TIMEOUT_S = 10.0


class RedisProcess:
    def __init__(self, data_dir: Path, *, port: int | None = None, persistent: bool = True) -> None:
        self.data_dir = data_dir
        self.port = port
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        return self.data_dir / "redis.sock"

    @property
    def url(self) -> str:
        if self.port is not None:
            return f"redis://127.0.0.1:{self.port}/0"
        return f"unix://{self.socket_path}?db=0"

    def command(self) -> list[str]:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server not found: install Debian's redis-server (make setup does)")
        args = [binary, "--dir", str(self.data_dir), "--bind", "127.0.0.1", "--protected-mode", "yes"]
        if self.port is None:
            args += ["--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700"]
        else:
            args += ["--port", str(self.port)]
        if self.persistent:
            args += ["--appendonly", "yes", "--save", ""]
        else:
            args += ["--appendonly", "no", "--save", ""]
        return args

    def start(self) -> subprocess.Popen[bytes]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.wait_ready(self.process)
        return self.process

    def wait_ready(self, process: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        client = redis.Redis.from_url(self.url)
        try:
            while True:
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {process.returncode}")
                try:
                    client.ping()
                    return
                except redis.exceptions.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
