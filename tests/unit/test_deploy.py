"""R-DEP-3, issue #15 item 5: the image, the Kubernetes manifests and the compose file are rendered
from the service registry, kept in step, and valid (Kubernetes' own schemas, strict)."""

import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from infra import deploy
from services.registry import SERVICES

ROOT = Path(__file__).resolve().parents[2]
K8S_VERSION = "1.30.0"


def test_checked_in_files_are_fresh() -> None:
    for path, text in deploy.rendered().items():
        assert path.read_text() == text, f"{path} is stale: run `python -m infra.deploy`"


def manifests() -> list[dict]:  # type: ignore[type-arg]
    docs = []
    for path in sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_every_manifest_is_valid_kubernetes() -> None:
    checked = 0
    for doc in manifests():
        if doc["kind"] == "Kustomization":
            continue
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        checked += 1
    assert checked >= 2 * len(SERVICES) + 2


def test_every_service_runs_replicated_probed_bounded_and_unprivileged() -> None:
    deployments = {d["metadata"]["name"]: d for d in manifests() if d["kind"] == "Deployment"}
    assert set(deployments) == {f"telework-{s}" for s in SERVICES}
    budgets = {d["metadata"]["name"] for d in manifests() if d["kind"] == "PodDisruptionBudget"}
    assert budgets == set(deployments)
    for name, d in deployments.items():
        spec = d["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        assert d["spec"]["replicas"] >= 2, name
        assert container["args"] == ["serve", name.removeprefix("telework-")]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        secrets = {v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
        assert "telework-nats-identities" in secrets
        # The audit signing key reaches audit's pods and no other (R-SEC-5).
        assert ("telework-audit-signing-key" in secrets) == (name == "telework-audit")
        nkeys = [
            i["key"] for v in spec["volumes"] if "secret" in v for i in v["secret"].get("items", [])
        ]
        assert nkeys == [f"{name.removeprefix('telework-')}.nk"], "one NATS identity per service"
    kustomization = next(d for d in manifests() if d["kind"] == "Kustomization")
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in (ROOT / "deploy" / "kubernetes").glob("*.yaml")}
    assert listed == on_disk - {"kustomization.yaml", "secrets.example.yaml"}


def test_compose_file_runs_every_service_on_three_nats_nodes_and_postgresql() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "temporal", "nats-1", "nats-2", "nats-3", "setup", *SERVICES} <= set(
        services
    )
    for name in SERVICES:
        s = services[name]
        assert s["command"] == ["serve", name]
        assert s["healthcheck"]["test"][0] == "CMD"
        assert s["environment"]["TELEWORK_STREAM_REPLICAS"] == "3"
        assert s["user"] == "10001:10001"
    for n in (1, 2, 3):
        conf = services[f"nats-{n}"]["volumes"][0].split(":")[0]
        text = (ROOT / "deploy" / conf).read_text()
        assert "sync_interval: always" in text and "cluster {" in text
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        checked = subprocess.run(
            [docker, "compose", "-f", str(ROOT / "deploy" / "compose.yaml"), "config", "-q"],
            capture_output=True,
            text=True,
            env={"TELEWORK_DB_PASSWORD": "x", "PATH": "/usr/bin:/bin"},
        )
        assert checked.returncode == 0, checked.stderr


def test_containerfile_runs_as_non_root_with_telework_as_entrypoint() -> None:
    text = (ROOT / "Containerfile").read_text()
    assert re.search(r"^USER 10001", text, re.M)
    assert 'ENTRYPOINT ["telework"]' in text
    assert re.search(r'^CMD \["serve", "portal"\]', text, re.M)


@pytest.mark.parametrize("chart", ["nats", "temporal"])
def test_values_for_the_official_charts_parse(chart: str) -> None:
    values = yaml.safe_load((ROOT / "deploy" / "helm" / f"{chart}-values.yaml").read_text())
    if chart == "nats":
        assert values["config"]["cluster"]["replicas"] == 3
        assert values["config"]["jetstream"]["merge"]["sync_interval"] == "always"
    else:
        assert values["server"]["config"]["numHistoryShards"] == 512
        assert values["server"]["config"]["persistence"]["default"]["sql"]["driver"] == "postgres12"
