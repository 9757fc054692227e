"""Start ``maturitybot run`` as a real process on a free loopback port, as operators do."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command() -> list[str]:
    script = Path(sys.executable).with_name("maturitybot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def clean_environment(extra: dict[str, str]) -> dict[str, str]:
    prefixes = ("SLACK_", "MICROSOFT_", "MATURITYBOT_", "PULSE_", "DATABASE_URL", "TEAMS_", "LOG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes) and k != "EVENT_LOOP"}
    env.update(extra)
    return env


class BotProcess:
    """``maturitybot run`` with the given settings; logs go to a file for inspection."""

    def __init__(
        self, env: dict[str, str], workdir: Path, port: int | None = None, role: str = "all"
    ) -> None:
        self.port = port or free_port()
        self.role = role
        self.workdir = workdir
        self.env = clean_environment({"PORT": str(self.port), "HOST": "127.0.0.1", **env})
        self.log_path = workdir / f"bot-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> BotProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [*command(), "run", "--role", self.role],
            env=self.env,
            cwd=self.workdir,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"bot exited with {self.process.returncode}:\n{self.logs()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    # Serving starts at once; "starting" until scheduling is armed.
                    if response.status == 200 and b'"starting"' not in response.read():
                        return self
                    time.sleep(0.05)
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"bot did not become healthy:\n{self.logs()}")

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, as a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
