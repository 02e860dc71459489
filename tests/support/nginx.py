"""A real nginx in front of a test server, as a scheme runs one: for sync tests that must
meet what a reverse proxy does (its 1 MB default body limit, its own HTML error pages).

Debian's nginx (``apt-get install nginx-light``), started by the test as a plain child
process (``daemon off; master_process off;``) on a loopback port, with a config, logs,
pid file and temp directories all in the test's tmp_path, proxying to the server on
127.0.0.1; stopped when the test ends. Its access log, in a format of our own, says what
each request was answered, so a test can count the 413s. A test that needs it calls
:func:`require_nginx`: it skips where nginx is not installed, except in CI (``CI=true``),
where that is a failure (``.ci/run`` installs it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.ports import restartable_port

_START_TIMEOUT_S = 10.0


def nginx_binary() -> str | None:
    # /usr/sbin is on root's PATH, not always on a developer's.
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def require_nginx() -> str:
    """The nginx binary; skip the test (fail it in CI) where there is none."""
    binary = nginx_binary()
    if binary is not None:
        return binary
    message = "nginx is not installed (apt-get install nginx-light)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI needs it", pytrace=False)
    pytest.skip(message)


@dataclass(frozen=True)
class Logged:
    """One request as nginx's access log has it."""

    method: str
    path: str
    status: int
    length: int  # the request's length in bytes (line, headers and body)


class Nginx:
    """nginx on ``127.0.0.1:port`` passing everything to ``127.0.0.1:upstream_port``.

    ``max_body`` is its ``client_max_body_size`` (``"64k"``); None leaves nginx's default,
    1 MB, as an unconfigured proxy has it.
    """

    def __init__(
        self, binary: str, upstream_port: int, directory: Path, *, max_body: str | None = None
    ) -> None:
        self.binary = binary
        self.upstream_port = upstream_port
        self.directory = directory
        self.max_body = max_body
        self.port = restartable_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def error_log(self) -> Path:
        return self.directory / "error.log"

    @property
    def access_log(self) -> Path:
        return self.directory / "access.log"

    def config(self) -> str:
        d = self.directory
        limit = f"client_max_body_size {self.max_body};" if self.max_body else ""
        # Every temp directory a module of this build would otherwise make under
        # /var/lib/nginx (not ours to write, and shared with a system nginx).
        temp_paths = "\n".join(
            f"    {module}_temp_path {d / module};" for module in self._modules_with_temp()
        )
        return f"""\
daemon off;
master_process off;
worker_processes 1;
pid {d / "nginx.pid"};
error_log {self.error_log} warn;
events {{ worker_connections 64; }}
http {{
    log_format icv '$request_method $uri $status $request_length';
    access_log {self.access_log} icv;
    client_body_temp_path {d / "client_body"};
{temp_paths}
    {limit}
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
            proxy_pass http://127.0.0.1:{self.upstream_port};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""

    def _modules_with_temp(self) -> list[str]:
        built = subprocess.run(
            [self.binary, "-V"], capture_output=True, text=True, timeout=10, check=False
        ).stderr
        return ["proxy"] + [
            m for m in ("fastcgi", "uwsgi", "scgi") if f"--without-http_{m}_module" not in built
        ]

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "nginx.conf"
        conf.write_text(self.config())
        output = (self.directory / "nginx.out").open("wb")
        self._process = subprocess.Popen(
            [self.binary, "-p", str(self.directory), "-c", str(conf), "-e", str(self.error_log)],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
        )
        output.close()
        # Until its port accepts, or it has exited: bounded, and never a bare sleep (the
        # wait between tries is a wait on the process, which ends early if it dies).
        for _ in range(int(_START_TIMEOUT_S / 0.05)):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=0.05)
            if self._process.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"nginx did not start:\n{self._log_text()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def requests(self) -> list[Logged]:
        """Every request so far, oldest first."""
        if not self.access_log.exists():
            return []
        out = []
        for line in self.access_log.read_text().splitlines():
            method, path, status, length = line.split(" ")
            out.append(Logged(method, path, int(status), int(length)))
        return out

    def _log_text(self) -> str:
        parts = []
        for name in ("nginx.out", "error.log"):
            path = self.directory / name
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)

    def __enter__(self) -> Nginx:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
