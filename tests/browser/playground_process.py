"""Start the Microsoft 365 Agents Playground (``agentsplayground``) against a bot endpoint."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path

LISTENING = re.compile(r"Listening on (\d+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PlaygroundProcess:
    """The Playground's web server, in its own working directory: it writes ``devTools/``
    (its log) there. It is told not to open a browser; drive.mjs brings its own."""

    def __init__(self, modules: Path, endpoint: str, workdir: Path) -> None:
        self.cli = modules / "@microsoft" / "m365agentsplayground" / "cli.js"
        self.endpoint = endpoint
        self.workdir = workdir
        self.log_path = workdir / "agentsplayground.log"
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> PlaygroundProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "TEAMSAPPTESTER_BROWSER": "none"}
        command = [
            "node", str(self.cli), "--app-endpoint", self.endpoint, "--channel-id", "msteams",
            "--port", str(free_port()), "--disable-telemetry",
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"agentsplayground exited:\n{self.output()}")
            # It takes another port when the one asked for has been taken meanwhile.
            found = LISTENING.search(self.output())
            if found:
                self.port = int(found.group(1))
                return self
            time.sleep(0.1)
        raise RuntimeError(f"agentsplayground did not start listening:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
