#!/usr/bin/env python3
"""takedown's own rules for deploy/, which no schema states (run by .ci/deploy_check.sh).

Usage: deploy_policy.py MANIFEST.yaml...   (the rendered `kubectl kustomize deploy/k8s`)

Kubernetes: every Deployment's containers serve the admin routes (--admin-listen, a port
named `admin`), are probed for liveness on /healthz and readiness on /readyz (with a startup
probe), run under the restricted security context, have requests and a memory limit, and
run a pinned image; every Deployment has a PodDisruptionBudget and mounts no service-account
token. Compose: every image pinned; every takedown service serves the admin routes, is
health-checked on /readyz and hardened as on Kubernetes. Both deploy configs: a Kafka bus
never keeps CI's test-broker workaround (single_record_batches, default on).
"""

import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "deploy" / "compose.yaml"
CONFIGS = [ROOT / "deploy" / "takedown.toml", ROOT / "deploy" / "k8s" / "takedown.toml"]


def pinned(image: str) -> bool:
    """A tag other than `latest`, or a digest."""
    if "@sha256:" in image:
        return True
    name_and_tag = image.rsplit("/", 1)[-1]
    if ":" not in name_and_tag:
        return False
    return name_and_tag.rsplit(":", 1)[1] != "latest"


def probe(container: dict, kind: str, path: str, problems: list, where: str) -> None:
    get = (container.get(kind) or {}).get("httpGet") or {}
    if get.get("path") != path or get.get("port") != "admin":
        problems.append(f"{where}: {kind} must GET {path} on the admin port, has {get or 'none'}")


def check_container(container: dict, problems: list, where: str) -> None:
    if "--admin-listen" not in (container.get("args") or []):
        problems.append(f"{where}: no --admin-listen, so no /healthz, /readyz or /metrics")
    if "admin" not in {port.get("name") for port in container.get("ports") or []}:
        problems.append(f"{where}: no container port named admin")
    probe(container, "startupProbe", "/healthz", problems, where)
    probe(container, "livenessProbe", "/healthz", problems, where)
    probe(container, "readinessProbe", "/readyz", problems, where)
    if not pinned(container.get("image", "")):
        problems.append(f"{where}: image {container.get('image')!r} is not pinned")
    security = container.get("securityContext") or {}
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: allowPrivilegeEscalation must be false")
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}: readOnlyRootFilesystem must be true")
    if security.get("privileged"):
        problems.append(f"{where}: privileged")
    if "ALL" not in ((security.get("capabilities") or {}).get("drop") or []):
        problems.append(f"{where}: capabilities must drop ALL")
    resources = container.get("resources") or {}
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    if not {"cpu", "memory"} <= requests.keys() or "memory" not in limits:
        problems.append(f"{where}: needs cpu and memory requests and a memory limit")


def check_kubernetes(docs: list, problems: list) -> None:
    budgets = [d for d in docs if d.get("kind") == "PodDisruptionBudget"]
    deployments = [d for d in docs if d.get("kind") == "Deployment"]
    if not deployments:
        problems.append("no Deployment in the manifests")
    for namespace in (d for d in docs if d.get("kind") == "Namespace"):
        labels = namespace["metadata"].get("labels") or {}
        if labels.get("pod-security.kubernetes.io/enforce") != "restricted":
            problems.append(f"namespace {namespace['metadata']['name']}: must enforce restricted")
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        template = deployment["spec"]["template"]
        pod, labels = template["spec"], template["metadata"].get("labels") or {}
        security = pod.get("securityContext") or {}
        if security.get("runAsNonRoot") is not True:
            problems.append(f"{name}: runAsNonRoot must be true")
        if (security.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problems.append(f"{name}: seccompProfile must be RuntimeDefault")
        if pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{name}: automountServiceAccountToken must be false")
        for container in pod["containers"]:
            check_container(container, problems, f"{name}/{container['name']}")
        covered = any(
            (b["spec"].get("selector") or {}).get("matchLabels", {}).items() <= labels.items()
            for b in budgets
        )
        if not covered:
            problems.append(f"{name}: no PodDisruptionBudget selects its pods")


def check_compose(problems: list) -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    for name, service in compose["services"].items():
        image = service.get("image", "")
        if not pinned(image):
            problems.append(f"compose {name}: image {image!r} is not pinned")
        if not image.startswith("takedown:"):
            continue
        if "--admin-listen" not in (service.get("command") or []):
            problems.append(f"compose {name}: no --admin-listen")
        test = " ".join((service.get("healthcheck") or {}).get("test") or [])
        if "/readyz" not in test:
            problems.append(f"compose {name}: the healthcheck must ask /readyz")
        if service.get("read_only") is not True or "ALL" not in (service.get("cap_drop") or []):
            problems.append(f"compose {name}: needs read_only and cap_drop ALL")
        if not service.get("user"):
            problems.append(f"compose {name}: needs a non-root user")


def check_configs(problems: list) -> None:
    for path in CONFIGS:
        bus = tomllib.loads(path.read_text()).get("backends", {}).get("bus", {})
        if bus.get("kind") == "kafka" and bus.get("single_record_batches") is not False:
            problems.append(
                f"{path.relative_to(ROOT)}: set single_record_batches = false "
                "(one-record batches are a workaround for CI's tansu broker only)"
            )


def main() -> int:
    problems: list = []
    docs = []
    for manifest in sys.argv[1:]:
        docs += [d for d in yaml.safe_load_all(Path(manifest).read_text()) if d]
    check_kubernetes(docs, problems)
    check_compose(problems)
    check_configs(problems)
    for problem in problems:
        print(f"deploy policy: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"deploy policy: {len(docs)} manifests, compose and {len(CONFIGS)} configs keep the rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
