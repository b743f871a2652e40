#!/usr/bin/env bash
# Renders every kustomize overlay under deploy/k8s/overlays with `kubectl kustomize` and checks it:
#   1. every object against the Kubernetes JSON schemas (PyPI kubernetes-validate, --strict: unknown
#      fields fail; an object whose kind/apiVersion has no schema fails too);
#   2. the shape of the overlay: single = exactly 1 gateway Deployment; per-flavor = exactly 4, one
#      per flavor, plus an Ingress routing the 4 flavors' paths to their own Services; in both, every
#      Service/PDB selects exactly one Deployment's pods, every HPA targets an existing Deployment,
#      and every ConfigMap/Secret a pod refers to is rendered too.
# Checks every overlay, exits non-zero if any fails. Needs no cluster and, once the venv exists, no network.
#
# Usage: deploy/k8s/validate.sh            (from anywhere; `make k8s-validate` runs it)
# Environment:
#   KUBECTL=/path/to/kubectl               kubectl to render with (default: kubectl on PATH)
#   K8S_VERSIONS="1.30.0 1.31.0"           Kubernetes schema versions to validate against
#   VENV=/path/to/venv                     where kubernetes-validate lives (default deploy/k8s/.venv)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
overlays_dir="${here}/overlays"
kubectl="${KUBECTL:-kubectl}"
k8s_versions="${K8S_VERSIONS:-1.31.0}"
venv="${VENV:-${here}/.venv}"
kv_spec='kubernetes-validate==1.*'

if ! command -v "${kubectl}" >/dev/null 2>&1; then
  cat >&2 <<'EOF'
validate.sh: kubectl not found (it renders the overlays with its built-in kustomize, v5+).
Install it, e.g. on Linux x86_64:
  curl -LO "https://dl.k8s.io/release/$(curl -Ls https://dl.k8s.io/release/stable.txt)/bin/linux/amd64/kubectl"
  sudo install -m 0755 kubectl /usr/local/bin/kubectl
(other systems: https://kubernetes.io/docs/tasks/tools/), or point KUBECTL at one.
EOF
  exit 1
fi

if ! "${venv}/bin/python" -c 'import kubernetes_validate' >/dev/null 2>&1; then
  echo "validate.sh: installing ${kv_spec} into ${venv}" >&2
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install -q --disable-pip-version-check "${kv_spec}"
fi
kv_version="$("${venv}/bin/kubernetes-validate" --version)"

k_args=()
for v in ${k8s_versions}; do
  k_args+=(-k "${v}")
done

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# The shape checks, run on one rendered overlay: python3 - OVERLAY RENDERED.yaml
read -r -d '' shape_check <<'PY' || true
import sys
import yaml

overlay, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    docs = [d for d in yaml.safe_load_all(f) if d]
errors = []

def err(msg):
    if msg not in errors:
        errors.append(msg)

def name(o):
    return o.get("metadata", {}).get("name", "?")

def of_kind(kind):
    return [o for o in docs if o.get("kind") == kind]

def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())

seen = set()
for o in docs:
    key = (o.get("apiVersion"), o.get("kind"), name(o))
    if key in seen:
        err(f"duplicate object {key}")
    seen.add(key)

FLAVORS = {"quicksync", "quickblox", "amity", "session-storage"}
deployments = of_kind("Deployment")
pod_labels = {name(d): d["spec"]["template"]["metadata"].get("labels", {}) for d in deployments}
gateways = [d for d in deployments
            if d["metadata"].get("labels", {}).get("app.kubernetes.io/name") == "session-gateway"]
configmaps = {name(o) for o in of_kind("ConfigMap")}
secrets = {name(o) for o in of_kind("Secret")}

# Deployments: selector matches its own pods and no other Deployment's.
for d in deployments:
    sel = d["spec"]["selector"].get("matchLabels", {})
    if not matches(sel, pod_labels[name(d)]):
        err(f"Deployment {name(d)}: selector {sel} does not match its pod labels")
    for other, labels in pod_labels.items():
        if other != name(d) and matches(sel, labels):
            err(f"Deployment {name(d)}: selector {sel} also matches pods of Deployment {other}")

def selected(selector):
    return [n for n, labels in pod_labels.items() if matches(selector, labels)]

services = {}
for s in of_kind("Service"):
    targets = selected(s["spec"].get("selector", {}))
    if len(targets) != 1:
        err(f"Service {name(s)} selects Deployments {targets}, want exactly one")
    services[name(s)] = (targets[0] if len(targets) == 1 else None,
                         {p.get("name") for p in s["spec"].get("ports", [])})
for p in of_kind("PodDisruptionBudget"):
    targets = selected(p["spec"]["selector"].get("matchLabels", {}))
    if len(targets) != 1:
        err(f"PodDisruptionBudget {name(p)} selects Deployments {targets}, want exactly one")
hpa_targets = []
for h in of_kind("HorizontalPodAutoscaler"):
    ref = h["spec"]["scaleTargetRef"]
    if ref.get("kind") != "Deployment" or ref.get("name") not in pod_labels:
        err(f"HorizontalPodAutoscaler {name(h)} targets missing {ref.get('kind')}/{ref.get('name')}")
    hpa_targets.append(ref.get("name"))

# Gateway pods: references resolve, hardening and probes are in place.
def flavors_of(d):
    c = d["spec"]["template"]["spec"]["containers"][0]
    for e in c.get("env", []):
        if e["name"] == "GATEWAY__FLAVORS__ENABLED":
            return e.get("value", "")
    return None

for d in gateways:
    n = name(d)
    spec = d["spec"]["template"]["spec"]
    c = spec["containers"][0]
    for src in c.get("envFrom", []):
        if "configMapRef" in src and src["configMapRef"]["name"] not in configmaps:
            err(f"Deployment {n}: ConfigMap {src['configMapRef']['name']} is not rendered")
        if "secretRef" in src and src["secretRef"]["name"] not in secrets:
            err(f"Deployment {n}: Secret {src['secretRef']['name']} is not rendered")
    for e in c.get("env", []):
        ref = e.get("valueFrom", {})
        if "secretKeyRef" in ref and ref["secretKeyRef"]["name"] not in secrets:
            err(f"Deployment {n}: Secret {ref['secretKeyRef']['name']} is not rendered")
        if "configMapKeyRef" in ref and ref["configMapKeyRef"]["name"] not in configmaps:
            err(f"Deployment {n}: ConfigMap {ref['configMapKeyRef']['name']} is not rendered")
    for v in spec.get("volumes", []):
        if "secret" in v and v["secret"]["secretName"] not in secrets:
            err(f"Deployment {n}: Secret {v['secret']['secretName']} is not rendered")
    sc = c.get("securityContext", {})
    want = {"runAsNonRoot": True, "runAsUser": 65532, "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False}
    for k, v in want.items():
        if sc.get(k) != v:
            err(f"Deployment {n}: container securityContext.{k} is {sc.get(k)!r}, want {v!r}")
    if sc.get("capabilities", {}).get("drop") != ["ALL"]:
        err(f"Deployment {n}: capabilities must drop ALL")
    if (sc.get("seccompProfile") or spec.get("securityContext", {}).get("seccompProfile", {})).get("type") != "RuntimeDefault":
        err(f"Deployment {n}: seccompProfile must be RuntimeDefault")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        got = c.get(probe, {}).get("httpGet", {}).get("path")
        if got != path:
            err(f"Deployment {n}: {probe} path is {got!r}, want {path!r}")
    if n not in hpa_targets:
        err(f"Deployment {n}: no HorizontalPodAutoscaler")

ingresses = of_kind("Ingress")
if overlay == "single":
    if len(gateways) != 1:
        err(f"want exactly 1 gateway Deployment, found {len(gateways)}")
    for d in gateways:
        f = flavors_of(d)
        if f is not None and set(f.split(",")) != FLAVORS:
            err(f"Deployment {name(d)} serves {f!r}, want all four flavors")
    summary = f"1 gateway Deployment serving all flavors"
elif overlay == "per-flavor":
    if len(gateways) != 4:
        err(f"want exactly 4 gateway Deployments, found {len(gateways)}")
    by_flavor = {}
    for d in gateways:
        f = flavors_of(d)
        if f not in FLAVORS:
            err(f"Deployment {name(d)}: GATEWAY__FLAVORS__ENABLED is {f!r}, want one flavor")
        elif f in by_flavor:
            err(f"flavor {f} is served by both {by_flavor[f]} and {name(d)}")
        else:
            by_flavor[f] = name(d)
    if set(by_flavor) != FLAVORS:
        err(f"flavors served: {sorted(by_flavor)}, want {sorted(FLAVORS)}")
    if len(ingresses) != 1:
        err(f"want exactly 1 Ingress, found {len(ingresses)}")
    routes = {}
    for ing in ingresses:
        for rule in ing["spec"].get("rules", []):
            for p in rule.get("http", {}).get("paths", []):
                svc = p["backend"]["service"]
                if svc["name"] not in services:
                    err(f"Ingress path {p['path']}: Service {svc['name']} is not rendered")
                    continue
                target, ports = services[svc["name"]]
                port = svc["port"].get("name")
                if port is not None and port not in ports:
                    err(f"Ingress path {p['path']}: Service {svc['name']} has no port {port!r}")
                routes[p["path"]] = (p["pathType"], target)
    want_routes = {
        "/v1": ("Prefix", "quicksync"),
        "/session.json": ("Exact", "quickblox"),
        "/login.json": ("Exact", "quickblox"),
        "/api": ("Prefix", "amity"),
        "/session-storage": ("Prefix", "session-storage"),
    }
    for path, (ptype, flavor) in want_routes.items():
        got = routes.get(path)
        want = (ptype, by_flavor.get(flavor))
        if got != want:
            err(f"Ingress {path}: routes to {got}, want {want}")
    admin = routes.get("/admin")
    if admin is None or admin[1] not in by_flavor.values():
        err(f"Ingress /admin: routes to {admin}, want a gateway Deployment")
    summary = "4 gateway Deployments (one per flavor) + Ingress with 4 route groups"
else:
    summary = f"{len(gateways)} gateway Deployment(s)"

if errors:
    for e in errors:
        print(f"  {overlay}: {e}", file=sys.stderr)
    sys.exit(1)
print(summary)
PY

failed=0
count=0
for dir in "${overlays_dir}"/*/; do
  overlay="$(basename "${dir}")"
  rendered="${work}/${overlay}.yaml"
  if ! "${kubectl}" kustomize "${dir}" >"${rendered}" 2>"${work}/${overlay}.err"; then
    echo "FAIL ${overlay}: kubectl kustomize failed:" >&2
    sed 's/^/  /' "${work}/${overlay}.err" >&2
    failed=1
    continue
  fi
  objects="$("${venv}/bin/python" -c 'import sys, yaml; print(sum(1 for d in yaml.safe_load_all(open(sys.argv[1])) if d))' "${rendered}")"
  versions="$(echo ${k8s_versions} | wc -w)"

  # Schema validation. The CLI exits 0 when it has no schema for a kind ("WARN ... Couldn't find
  # schema"), so anything but an INFO line counts as a failure, and every object must have passed.
  status=0
  "${venv}/bin/kubernetes-validate" --strict "${k_args[@]}" "${rendered}" >"${work}/${overlay}.kv" 2>&1 || status=$?
  passed="$(grep -c '^INFO .* passed for resource ' "${work}/${overlay}.kv" || true)"
  if [[ ${status} -ne 0 ]] || grep -qv '^INFO ' "${work}/${overlay}.kv" \
      || [[ ${passed} -ne $((objects * versions)) ]]; then
    echo "FAIL ${overlay}: schema validation (${passed} of $((objects * versions)) passed):" >&2
    grep -v '^INFO ' "${work}/${overlay}.kv" | sed 's/^/  /' >&2 || true
    failed=1
    continue
  fi

  if ! shape="$("${venv}/bin/python" -c "${shape_check}" "${overlay}" "${rendered}")"; then
    echo "FAIL ${overlay}: shape checks (above)" >&2
    failed=1
    continue
  fi
  echo "ok   ${overlay}: ${objects} objects valid (kubernetes-validate ${kv_version}, Kubernetes ${k8s_versions// /, } schemas, strict); ${shape}"
  count=$((count + 1))
done

if [[ ${count} -eq 0 && ${failed} -eq 0 ]]; then
  echo "FAIL: no overlay found under ${overlays_dir}" >&2
  exit 1
fi
exit "${failed}"
