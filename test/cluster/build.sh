#!/usr/bin/env bash
# Builds the okd-test-cluster binary with the Kubernetes version stamped in,
# so that GET /version (kubectl version) reports a real kube-apiserver
# gitVersion such as v1.37.2 instead of v0.0.0-master.
#
#   ./build.sh [OUTPUT]          (default OUTPUT: bin/okd-test-cluster)
#
# Env: GO (default /usr/local/go/bin/go, else go on PATH).
set -euo pipefail
cd "$(dirname "$0")"

GO=${GO:-/usr/local/go/bin/go}
[ -x "$GO" ] || GO=go
OUT=${1:-bin/okd-test-cluster}

# The version is the one of k8s.io/kubernetes in go.mod (e.g. v1.37.2).
KVER=$("$GO" list -m -f '{{.Version}}' k8s.io/kubernetes)
MAJOR=$(echo "${KVER#v}" | cut -d. -f1)
MINOR=$(echo "${KVER#v}" | cut -d. -f2)
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
  BUILD_DATE=$(date -u -d "@${SOURCE_DATE_EPOCH}" +%Y-%m-%dT%H:%M:%SZ)
else
  BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
fi

# Same variables as kubernetes' hack/lib/version.sh sets. gitCommit and
# gitTreeState stay empty: a module build has no git checkout to read them from.
LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X ${pkg}.gitVersion=${KVER}"
  LDFLAGS+=" -X ${pkg}.gitMajor=${MAJOR}"
  LDFLAGS+=" -X ${pkg}.gitMinor=${MINOR}"
  LDFLAGS+=" -X ${pkg}.gitCommit="
  LDFLAGS+=" -X ${pkg}.gitTreeState="
  LDFLAGS+=" -X ${pkg}.buildDate=${BUILD_DATE}"
done

mkdir -p "$(dirname "$OUT")"
echo "+ $GO build -ldflags \"$LDFLAGS\" -o $OUT ." >&2
"$GO" build -ldflags "$LDFLAGS" -o "$OUT" .
