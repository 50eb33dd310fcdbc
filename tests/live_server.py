"""Start the real `streamlit run app.py` on a free loopback port, and drive sessions through
Streamlit's agent API (JSON over HTTP, real sessions of the real server)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser download is not needed
CHROMIUM_ARGS = [  # headless on a machine whose network is closed (no background connections)
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process (this one by default), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app served on 127.0.0.1 in a subprocess; `stop()` (or `kill()`) ends it."""

    def __init__(
        self,
        runs_dir: Path,
        *,
        agent_api: bool = False,
        env: dict | None = None,
        port: int | None = None,
        poll: float = 0.3,
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ]
        if agent_api:
            args += ["--server.enableAgentApi", "true"]
        full_env = {
            **os.environ,
            "MLP_OFFLINE": "1",
            "MLP_RUNS_DIR": str(runs_dir),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            **(env or {}),
        }
        Path(runs_dir).parent.mkdir(parents=True, exist_ok=True)
        self.log = open(Path(runs_dir).parent / f"server-{self.port}.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=full_env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_healthy(poll=poll)

    def _wait_healthy(self, timeout: float = 90, poll: float = 0.3) -> None:
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return
            except OSError:
                pass
            time.sleep(poll)
        raise RuntimeError("server did not become healthy")

    def rss_mb(self) -> float:
        """Resident memory of the server process, MB."""
        return rss_mb(self.proc.pid)

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled plug would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


class AgentSession:
    """One real app session driven through /_stcore/agent/interact."""

    def __init__(self, server_url: str, page: str | None = None, query: dict | None = None, timeout: float = 120):
        self.endpoint = f"{server_url}/_stcore/agent/interact"
        self.timeout = timeout
        self.session_id: str | None = None
        self.latencies: list[float] = []
        body = {}
        if page:
            body["page"] = page
        if query:
            body["query_params"] = {k: [str(v)] for k, v in query.items()}
        self.result = self.send(body)

    def send(self, body: dict) -> dict:
        """POST one interaction (and collect it if it outlasts the server's wait); returns the snapshot."""
        if self.session_id:
            body = {"session_id": self.session_id, **body}
        start = time.perf_counter()
        status, result = self._post(body)
        while status == 202:  # still running: collect it
            self.session_id = result.get("session_id", self.session_id)
            status, result = self._post({"session_id": self.session_id})
        self.latencies.append(time.perf_counter() - start)
        if status != 200:
            raise RuntimeError(f"agent API refused: {result}")
        self.session_id = result["session_id"]
        self.result = result
        return result

    def _post(self, body: dict) -> tuple[int, dict]:
        req = urllib.request.Request(
            self.endpoint, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def set(self, **widgets) -> dict:
        return self.send({"widget_state": widgets})

    def click(self, key: str) -> dict:
        return self.send({"trigger": {"key": key}})

    def goto(self, page: str) -> dict:
        return self.send({"page": page})

    def refresh(self) -> dict:
        return self.send({})

    @property
    def texts(self) -> list[str]:
        out: list[str] = []

        def walk(node):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in ("body", "label", "value", "text") and isinstance(value, str):
                        out.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.result.get("tree"))
        return out

    def has_text(self, fragment: str) -> bool:
        return any(fragment in t for t in self.texts)

    @property
    def errored(self) -> bool:
        return self.result.get("status") == "error" or self.has_tree_type("exception")

    def has_tree_type(self, kind: str) -> bool:
        return f'"type": "{kind}"' in json.dumps(self.result.get("tree"))
