"""Several app hosts on one machine for the tests: gunicorn instances started as real
processes (each with its own instance directory, so nothing but PostgreSQL, Redis and the
object store is shared) behind Debian's nginx, configured from deploy/nginx/ itself."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.object_store import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class Host:
    name: str
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def kill(self) -> None:
        """As a machine that dies: no goodbye to anyone."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def log_lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines() if self.log.exists() else []


@dataclass
class Cluster:
    hosts: list[Host]
    nginx_url: str
    nginx_dir: Path
    nginx_proc: subprocess.Popen | None = None
    env: dict = field(default_factory=dict)

    def access_log(self) -> list[dict]:
        """nginx's access lines: method, path, status, request id and upstream."""
        out = []
        path = self.nginx_dir / "roadchief.access.log"
        for line in path.read_text().splitlines() if path.exists() else []:
            m = re.search(r'"(\w+) (\S+) [^"]*" (\d+) \d+ rid=(\w+) upstream=([^ ,]+(?:, [^ ,]+)*)',
                          line)
            if m:
                out.append({"method": m[1], "path": m[2], "status": int(m[3]), "rid": m[4],
                            "upstream": m[5]})
        return out

    def stop(self) -> None:
        for host in self.hosts:
            host.kill()
        if self.nginx_proc and self.nginx_proc.poll() is None:
            self.nginx_proc.terminate()
            self.nginx_proc.wait(10)


def start_host(name: str, env: dict, workdir: Path) -> Host:
    port = free_port()
    instance = workdir / f"instance-{name}"
    instance.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{name}.log"
    host_env = {**os.environ, **env, "ROADCHIEF_INSTANCE": str(instance),
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "PROMETHEUS_MULTIPROC_DIR": str(instance / "prometheus"),
                "UPLOAD_DIR": str(instance / "uploads")}
    host_env.pop("CI", None)
    with open(log, "ab") as out:
        proc = subprocess.Popen([str(BIN / "gunicorn"), "wsgi:app"], cwd=ROOT, env=host_env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    host = Host(name, port, proc, log)
    if not wait_for_port(port, 60):
        host.kill()
        raise RuntimeError(f"gunicorn {name} did not start:\n" + log.read_text()[-3000:])
    return host


def nginx_config(workdir: Path, port: int, upstreams: list[str]) -> Path:
    """deploy/nginx/roadchief.conf with this machine's paths, in a complete nginx.conf."""
    (workdir / "upstreams.conf").write_text(
        "".join(f"server {u} max_fails=1 fail_timeout=10s;\n" for u in upstreams))
    shutil.copy(ROOT / "deploy/nginx/proxy.conf", workdir / "proxy.conf")
    site = (ROOT / "deploy/nginx/roadchief.conf").read_text()
    site = (site.replace("listen 80;", f"listen 127.0.0.1:{port};")
            .replace("/etc/nginx/roadchief/", f"{workdir}/")
            .replace("/var/log/nginx/", f"{workdir}/")
            .replace("/srv/roadchief/static/", f"{ROOT / 'static'}/"))
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"{kind}_temp_path {workdir}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = workdir / "nginx.conf"
    conf.write_text(f"""{user}daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 256; }}
http {{
include /etc/nginx/mime.types;
{temp}
{site}
}}
""")
    return conf


def start_nginx(workdir: Path, port: int, upstreams: list[str]
                ) -> tuple[subprocess.Popen, str]:
    conf = nginx_config(workdir, port, upstreams)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    check = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(workdir), "-e",
                            str(workdir / "error.log")], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t refused the configuration:\n{check.stderr}")
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(workdir), "-e",
                             str(workdir / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_for_port(port, 20):
        proc.terminate()
        raise RuntimeError("nginx did not start: " + (workdir / "error.log").read_text())
    return proc, f"http://127.0.0.1:{port}"


def nginx_available() -> bool:
    return bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())


def wait_healthy(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            # 503 is an answer too: /healthz stays unhealthy until a sweep has run.
            if requests.get(url + "/healthz", timeout=5).status_code in (200, 503):
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} never answered /healthz")
