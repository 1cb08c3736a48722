"""Kubernetes manifests and the single-host compose file, rendered from the service registry
(issue #15, item 5): `python -m infra.deploy` writes `deploy/`; a test keeps the checked-in
files in step and validates them against the Kubernetes schemas.

One image for everything (`Containerfile`); each service is `telework serve <name>` in it, two
replicas by default (decision 0008), probes on the health port, resources, non-root, a
read-only root filesystem, and secrets for NATS identities, the database, OIDC and the audit
signing key (audit's pods only).
"""

from pathlib import Path
from typing import Any

import yaml

from services.registry import SERVICES

IMAGE = "ghcr.io/telework-th/telework:0.1.0"
HEALTH_PORT = 9000
PORTAL_PORT = 8000
ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"

# What each service asks of a node at steady load for a department of ~15,000 officials
# (docs/deployment.md); limits leave room for the morning check-in peak.
RESOURCES: dict[str, dict[str, dict[str, str]]] = {
    "attendance": {"requests": {"cpu": "500m", "memory": "384Mi"}, "limits": {"memory": "768Mi"}},
    "audit": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
    "portal": {"requests": {"cpu": "500m", "memory": "384Mi"}, "limits": {"memory": "768Mi"}},
}
DEFAULT_RESOURCES = {"requests": {"cpu": "100m", "memory": "192Mi"}, "limits": {"memory": "384Mi"}}

SETTINGS = {
    "NATS_URL": "nats://nats-0.nats-headless:4222,nats://nats-1.nats-headless:4222,"
    "nats://nats-2.nats-headless:4222",
    "TEMPORAL_ADDRESS": "temporal-frontend:7233",
    "TEMPORAL_NAMESPACE": "telework",
    "TELEWORK_STREAM_REPLICAS": "3",
    "TELEWORK_HEALTH_PORT": str(HEALTH_PORT),
    "TELEWORK_HEALTH_HOST": "0.0.0.0",
    "TELEWORK_PORTAL_HOST": "0.0.0.0",
    "TELEWORK_PORTAL_PORT": str(PORTAL_PORT),
    "TELEWORK_LOG_FORMAT": "json",
    "TELEWORK_SECURE_COOKIES": "1",
    "TELEWORK_DATA_DIR": "/var/lib/telework",
    "TELEWORK_NATS_SEEDS": "/secrets/nats",
    # The platform's token key, one for every process (services/shared/auth.py).
    "TELEWORK_TOKEN_KEY": "/secrets/token/issuer.pem",
    # Sign-in at the agency's OpenID Connect provider (the portal only; client id and secret
    # come from the telework-oidc secret).
    "TELEWORK_OIDC_ISSUER": "https://sso.example.go.th/realms/agency",
    "TELEWORK_OIDC_REDIRECT_URI": "https://telework.example.go.th/login/oidc/callback",
    "TELEWORK_OIDC_CLAIM": "email",
}


def _labels(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": "telework", "app.kubernetes.io/component": name}


def deployment(name: str, replicas: int = 2) -> dict[str, Any]:
    probe_port = PORTAL_PORT if name == "portal" else HEALTH_PORT
    env_from = [
        {"configMapRef": {"name": "telework-settings"}},
        {"secretRef": {"name": "telework-database"}},
    ]
    mounts = [
        {"name": "nats-identities", "mountPath": "/secrets/nats", "readOnly": True},
        {"name": "token-key", "mountPath": "/secrets/token", "readOnly": True},
        {"name": "data", "mountPath": "/var/lib/telework"},
    ]
    volumes: list[dict[str, Any]] = [
        {
            "name": "nats-identities",
            "secret": {
                "secretName": "telework-nats-identities",
                "items": [
                    {"key": f"{name}.nk", "path": f"{name}.nk"},
                ],
                "defaultMode": 0o400,
            },
        },
        {
            "name": "token-key",
            "secret": {"secretName": "telework-token-issuer", "defaultMode": 0o400},
        },
        # Scratch only (token caches, font cache): the state lives in PostgreSQL.
        {"name": "data", "emptyDir": {}},
    ]
    env: list[dict[str, Any]] = []
    if name == "audit":
        mounts.append({"name": "audit-key", "mountPath": "/secrets/audit", "readOnly": True})
        volumes.append(
            {
                "name": "audit-key",
                "secret": {"secretName": "telework-audit-signing-key", "defaultMode": 0o400},
            }
        )
        env.append({"name": "TELEWORK_AUDIT_KEY", "value": "/secrets/audit/audit-signing.pem"})
    if name == "portal":
        env_from.append({"secretRef": {"name": "telework-oidc"}})
    ports = [{"name": "health", "containerPort": HEALTH_PORT}]
    if name == "portal":
        ports.insert(0, {"name": "http", "containerPort": PORTAL_PORT})
    container: dict[str, Any] = {
        "name": name,
        "image": IMAGE,
        "args": ["serve", name],
        "envFrom": env_from,
        "ports": ports,
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": probe_port},
            "periodSeconds": 10,
            "failureThreshold": 3,
        },
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": probe_port},
            "periodSeconds": 5,
            "failureThreshold": 2,
        },
        "startupProbe": {
            "httpGet": {"path": "/healthz", "port": probe_port},
            "periodSeconds": 2,
            "failureThreshold": 60,  # migrations run at start
        },
        "resources": RESOURCES.get(name, DEFAULT_RESOURCES),
        "volumeMounts": mounts,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    if env:
        container["env"] = env
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"telework-{name}", "labels": _labels(name)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": _labels(name)},
            # One new pod at a time, never below the current count: the old and the new
            # release run side by side (migrations are additive first, docs/deployment.md).
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {
                "metadata": {
                    "labels": _labels(name),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(HEALTH_PORT),
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": {
                    # SIGTERM: in-flight work finishes and the lease is released in well
                    # under this.
                    "terminationGracePeriodSeconds": 30,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 10001,
                        "runAsGroup": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }


def disruption_budget(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": f"telework-{name}", "labels": _labels(name)},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": _labels(name)}},
    }


def portal_service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "telework-portal", "labels": _labels("portal")},
        "spec": {
            "selector": _labels("portal"),
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def settings_map() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "telework-settings"},
        "data": SETTINGS,
    }


def setup_job() -> dict[str, Any]:
    """Streams (admin identity) and every schema, before a release's pods start."""
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "telework-setup"},
        "spec": {
            "backoffLimit": 10,
            "template": {
                "spec": {
                    "restartPolicy": "OnFailure",
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                    "containers": [
                        {
                            "name": "setup",
                            "image": IMAGE,
                            "command": ["sh", "-c", "telework nats setup && telework db upgrade"],
                            "envFrom": [
                                {"configMapRef": {"name": "telework-settings"}},
                                {"secretRef": {"name": "telework-database"}},
                            ],
                            "volumeMounts": [
                                {"name": "nats-admin", "mountPath": "/secrets/nats"},
                                {"name": "data", "mountPath": "/var/lib/telework"},
                            ],
                            "resources": DEFAULT_RESOURCES,
                        }
                    ],
                    "volumes": [
                        {
                            "name": "nats-admin",
                            "secret": {
                                "secretName": "telework-nats-identities",
                                "items": [{"key": "admin.nk", "path": "admin.nk"}],
                                "defaultMode": 0o400,
                            },
                        },
                        {"name": "data", "emptyDir": {}},
                    ],
                }
            },
        },
    }


def kubernetes() -> dict[str, list[dict[str, Any]]]:
    """File name -> its documents."""
    files: dict[str, list[dict[str, Any]]] = {
        "settings.yaml": [settings_map()],
        "setup-job.yaml": [setup_job()],
    }
    for name in SERVICES:
        docs = [deployment(name), disruption_budget(name)]
        if name == "portal":
            docs.append(portal_service())
        files[f"{name}.yaml"] = docs
    files["kustomization.yaml"] = [
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": "telework",
            "resources": sorted(f for f in files if f != "kustomization.yaml"),
        }
    ]
    return files


def compose() -> dict[str, Any]:
    """A single host on premises: PostgreSQL, three NATS nodes, Temporal on PostgreSQL, and
    every service (two of attendance and portal)."""
    common_env = {
        "DATABASE_URL": "postgresql://telework:${TELEWORK_DB_PASSWORD}@postgres/telework",
        "NATS_URL": "nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222",
        "TEMPORAL_ADDRESS": "temporal:7233",
        "TELEWORK_STREAM_REPLICAS": "3",
        "TELEWORK_HEALTH_PORT": str(HEALTH_PORT),
        "TELEWORK_HEALTH_HOST": "0.0.0.0",
        "TELEWORK_LOG_FORMAT": "json",
        "TELEWORK_NATS_SEEDS": "/secrets/nats",
        "TELEWORK_DATA_DIR": "/var/lib/telework",
    }
    health = {
        "test": [
            "CMD",
            "python",
            "-c",
            "import urllib.request; "
            f"urllib.request.urlopen('http://127.0.0.1:{HEALTH_PORT}/readyz')",
        ],
        "interval": "10s",
        "retries": 5,
    }
    services: dict[str, Any] = {
        "postgres": {
            "image": "postgres:16",
            # Seven services of up to 20 connections each, and Temporal's (docs/deployment.md).
            "command": ["postgres", "-c", "max_connections=300"],
            "environment": {
                "POSTGRES_USER": "telework",
                "POSTGRES_PASSWORD": "${TELEWORK_DB_PASSWORD}",
                "POSTGRES_DB": "telework",
            },
            "volumes": ["postgres:/var/lib/postgresql/data"],
            "healthcheck": {"test": ["CMD", "pg_isready", "-U", "telework"], "interval": "5s"},
        },
        "temporal": {
            # Temporal's own schema in the same PostgreSQL (databases temporal and
            # temporal_visibility, created by auto-setup); history shards are fixed at 512.
            "image": "temporalio/auto-setup:1.25",
            "environment": {
                "DB": "postgres12",
                "DB_PORT": "5432",
                "POSTGRES_USER": "telework",
                "POSTGRES_PWD": "${TELEWORK_DB_PASSWORD}",
                "POSTGRES_SEEDS": "postgres",
                "NUM_HISTORY_SHARDS": "512",
            },
            "depends_on": {"postgres": {"condition": "service_healthy"}},
        },
    }
    for n in (1, 2, 3):
        services[f"nats-{n}"] = {
            "image": "nats:2.11",
            "command": ["-c", "/etc/nats/nats.conf"],
            "volumes": [
                f"../infra/nats/cluster/nats-{n}.conf:/etc/nats/nats.conf:ro",
                f"nats-{n}:/data/jetstream",
            ],
        }
    nats_ready = {f"nats-{n}": {"condition": "service_started"} for n in (1, 2, 3)}
    services["setup"] = {
        "image": IMAGE,
        "entrypoint": ["sh", "-c", "telework nats setup && telework db upgrade"],
        "environment": common_env,
        "volumes": ["./secrets/nats:/secrets/nats:ro"],
        "depends_on": {"postgres": {"condition": "service_healthy"}, **nats_ready},
        "restart": "on-failure",
    }
    for name in SERVICES:
        # One platform token key for every service (services/shared/auth.py): each container's
        # data directory is its own tmpfs, where a key made on first use would be its alone.
        env = {**common_env, "TELEWORK_TOKEN_KEY": "/secrets/token/issuer.pem"}
        volumes = ["./secrets/nats:/secrets/nats:ro", "./secrets/token:/secrets/token:ro"]
        if name == "audit":
            env["TELEWORK_AUDIT_KEY"] = "/secrets/audit/audit-signing.pem"
            volumes.append("./secrets/audit:/secrets/audit:ro")
        service: dict[str, Any] = {
            "image": IMAGE,
            "command": ["serve", name],
            "environment": env,
            "volumes": volumes,
            "user": "10001:10001",
            "read_only": True,
            "tmpfs": ["/var/lib/telework"],
            "healthcheck": health,
            "restart": "unless-stopped",
            "depends_on": {
                "setup": {"condition": "service_completed_successfully"},
                "temporal": {"condition": "service_started"},
            },
            "stop_grace_period": "30s",
        }
        if name in ("attendance", "portal"):
            service["deploy"] = {"replicas": 2}
        if name == "portal":
            env.update(TELEWORK_PORTAL_HOST="0.0.0.0", TELEWORK_SECURE_COOKIES="1")
            service["ports"] = ["8000"]
        services[name] = service
    return {
        "name": "telework",
        "services": services,
        "volumes": {v: {} for v in ("postgres", "nats-1", "nats-2", "nats-3")},
    }


def rendered() -> dict[Path, str]:
    header = "# Generated by `python -m infra.deploy` from the service registry; edit there.\n"
    out: dict[Path, str] = {}
    for file, docs in kubernetes().items():
        out[DEPLOY / "kubernetes" / file] = header + yaml.safe_dump_all(docs, sort_keys=False)
    out[DEPLOY / "compose.yaml"] = header + yaml.safe_dump(compose(), sort_keys=False)
    return out


def write() -> list[Path]:
    written = []
    for path, text in rendered().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write():
        print(p.relative_to(ROOT))
