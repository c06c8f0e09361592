"""deploy/ cannot be run here (no Docker daemon), so what it asks of the product is checked against the product:
every setting it sets exists, every role it starts is a CLI command, the proxy reaches the port the web role
listens on and probes a route that exists, and the image installs from the lock."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from app.cli import app
from core.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
SETTINGS = {name.upper() for name in Settings.model_fields}
# compose's own variables (interpolated into compose.yaml, not read by the product)
COMPOSE_ONLY = {"DOMAIN", "POSTGRES_PASSWORD"}


def _app_services() -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in COMPOSE["services"].items() if "build" in svc}


def test_compose_runs_two_web_and_two_workers_beside_postgres_redis_and_a_proxy() -> None:
    roles = sorted(str(svc["command"][0]) for svc in _app_services().values())
    assert roles == ["web", "web", "worker", "worker"]
    assert {"postgres", "redis", "caddy"} <= set(COMPOSE["services"])


def test_every_role_is_a_command_of_the_cli() -> None:
    runner = CliRunner()
    for svc in _app_services().values():
        command = [str(c) for c in svc["command"]]
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_every_setting_deploy_sets_is_one_the_product_reads() -> None:
    env_example = [line.split("=", 1)[0] for line in (DEPLOY / ".env.example").read_text().splitlines()
                   if line and not line.startswith("#")]
    unknown = set(env_example) - SETTINGS - COMPOSE_ONLY
    for svc in _app_services().values():
        unknown |= set(svc.get("environment", {})) - SETTINGS
    assert not unknown, f"deploy sets what the product never reads: {sorted(unknown)}"


def test_the_proxy_reaches_the_web_port_and_probes_a_real_route() -> None:
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    ports = {svc["environment"]["ADMIN_API_PORT"] for svc in _app_services().values()}
    assert len(ports) == 1
    port = ports.pop()
    upstreams = re.findall(r"\b(web\d):(\d+)\b", caddy)
    assert sorted(u for u, _ in upstreams) == ["web1", "web2"]
    assert {p for _, p in upstreams} == {port}
    probe = re.search(r"health_uri\s+(\S+)", caddy)
    assert probe is not None
    api_source = (DEPLOY.parent / "admin_api" / "app.py").read_text(encoding="utf-8")
    assert f'@app.get("{probe.group(1)}"' in api_source, "the proxy probes a route the API does not have"


def test_the_image_installs_from_the_lock_with_hashes() -> None:
    docker = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements.lock" in docker
    assert re.search(r"pip install[^\n]*--no-deps \.", docker), "the project itself must not re-resolve dependencies"
