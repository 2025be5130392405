"""The deployment files are checked by the tools that will read them: the compose file by
docker-compose, nginx's configuration by ``nginx -t``, the systemd units by
``systemd-analyze verify``; and every setting they pass is one the app reads."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from app.config import Config
from tests.cluster import nginx_available, nginx_config, start_nginx
from tests.conftest import need
from tests.object_store import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
#: Read by libraries or tools, not by app/config.py.
EXTERNAL = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "GUNICORN_BIND",
            "PROMETHEUS_MULTIPROC_DIR", "ROADCHIEF_INSTANCE"}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_is_valid_for_docker_compose():
    tool = shutil.which("docker-compose")
    need("docker-compose (Debian package docker-compose)", tool is not None)
    result = subprocess.run([tool, "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
                            capture_output=True, text=True, cwd=DEPLOY)
    assert result.returncode == 0, result.stderr


def test_the_compose_file_runs_every_part_of_the_system():
    services = _compose()["services"]
    assert {"web", "worker", "cron", "postgres", "redis", "minio", "nginx"} <= set(services)
    assert services["worker"]["command"][:2] == ["rq", "worker"]
    assert services["cron"]["command"][:3] == ["rq", "cron", "app/cron.py"]
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on unknown {needed}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"


def test_every_setting_the_compose_file_passes_is_read_by_the_app():
    read = set(re.findall(r'os\.environ(?:\.get\(|\[)"(\w+)"',
                          (ROOT / "app" / "config.py").read_text()))
    known = read | {name for name in vars(Config) if name.isupper()}
    env = _compose()["x-app"]["environment"]
    unknown = {k for k in env if k not in known and k not in EXTERNAL}
    assert unknown == set()
    assert env["PHOTO_STORE_URL"].startswith("s3://") and env["S3_ENDPOINT_URL"]


def test_the_nginx_configuration_passes_nginx_t(tmp_path):
    need("nginx", nginx_available())
    tmp_path.chmod(0o755)
    conf = nginx_config(tmp_path, 8080, ["127.0.0.1:8000", "127.0.0.1:8001"])
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp_path), "-e",
                             str(tmp_path / "error.log")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    site = (DEPLOY / "nginx" / "roadchief.conf").read_text()
    assert re.search(r"location = /metrics \{[^}]*deny all;", site)
    assert "client_max_body_size 40m;" in site  # as much as the app accepts


def test_nginx_masks_secret_tokens_in_its_access_log(tmp_path):
    need("nginx", nginx_available())
    import requests

    tmp_path.chmod(0o755)
    secret = "s3cretTok3nInTheUrl"
    # No app behind it: nginx answers 502, and logs each request as it would any other.
    proc, base = start_nginx(tmp_path, free_port(), [f"127.0.0.1:{free_port()}"])
    try:
        for path in (f"/sms/tencent/{secret}/status", f"/sms/tencent/{secret}/inbound",
                     f"/rate/{secret}", f"/wechat/callback?signature={secret}&nonce=1"):
            requests.post(base + path, data=b"{}", timeout=10)
        requests.get(base + "/track?code=ABCD", timeout=10)
    finally:
        proc.terminate()
        proc.wait(10)
    logged = (tmp_path / "roadchief.access.log").read_text()
    assert secret not in logged
    assert logged.count("[masked]") == 4
    assert "POST /sms/tencent/[masked]/status HTTP/1.1" in logged
    assert "GET /track?code=ABCD HTTP/1.1" in logged  # everything else as it came


def test_the_systemd_units_name_programs_the_app_installs(tmp_path):
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {u.name for u in units} >= {"roadchief-web@.service", "roadchief-worker.service",
                                       "roadchief-cron.service",
                                       "roadchief-retention.service"}
    for unit in units:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read(unit)
        start = parser["Service"]["ExecStart"]
        program = re.search(r"/srv/roadchief/\.venv/bin/(\w+)", start).group(1)
        assert program in {"gunicorn", "rq", "flask"}
        assert parser["Service"]["EnvironmentFile"] == "/etc/roadchief/env"


@pytest.mark.parametrize("unit", ["roadchief-worker.service", "roadchief-retention.timer"])
def test_systemd_accepts_the_units(unit, tmp_path):
    tool = shutil.which("systemd-analyze")
    need("systemd-analyze", tool is not None)
    result = subprocess.run([tool, "verify", "--man=no", str(DEPLOY / "systemd" / unit)],
                            capture_output=True, text=True)
    # Only complaints about this unit count (the test machine has no /srv/roadchief).
    problems = [line for line in result.stderr.splitlines()
                if unit in line and "/srv/roadchief" not in line
                and "roadchief-retention.service" not in line]
    assert problems == []


def test_the_dockerfile_copies_what_exists():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
