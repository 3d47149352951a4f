import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Sandbox } from './index';

/** Component pullspec (by digest) of `name` in the sandbox payload `index`. */
export function sandboxComponent(sandbox: Sandbox, index: number, name: string): string {
  const payload = sandbox.payloads[index];
  const stream = JSON.parse(payload?.files.get('image-references') ?? '{}') as { spec?: { tags?: { name: string; from: { name: string } }[] } };
  const tag = stream.spec?.tags?.find((t) => t.name === name);
  if (!tag) throw new Error(`no component ${name} in sandbox payload ${index}`);
  return tag.from.name;
}

/** A demo workspace whose files mention the sandbox's pullspecs, for hovers and the Release Explorer. */
export function writeDemoWorkspace(dir: string, sandbox: Sandbox): Record<string, string> {
  fs.mkdirSync(dir, { recursive: true });
  const registryOperator = sandboxComponent(sandbox, 1, 'cluster-image-registry-operator');
  const registryImage = sandboxComponent(sandbox, 1, 'docker-registry');
  const files: Record<string, string> = {
    'deployment.yaml': `# An operator Deployment as the payload ships it. Hover the images.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cluster-image-registry-operator
  namespace: openshift-image-registry
spec:
  replicas: 1
  selector:
    matchLabels:
      name: cluster-image-registry-operator
  template:
    metadata:
      labels:
        name: cluster-image-registry-operator
    spec:
      containers:
      - name: cluster-image-registry-operator
        image: ${registryOperator}
        env:
        - name: OPERATOR_IMAGE
          value: ${registryOperator}
        - name: IMAGE
          value: ${registryImage}
`,
    'releases.md': `# Releases in the sandbox

${sandbox.releases.map((r) => `- \`${r}\``).join('\n')}

Upstream payloads look like \`quay.io/okd/scos-release:4.19.0-okd-scos.16\`.
`,
    'Dockerfile': `FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.22-openshift-4.19 AS builder
WORKDIR /go/src/github.com/openshift/cluster-image-registry-operator
COPY . .
RUN make build

FROM ${sandboxComponent(sandbox, 0, 'cli')}
COPY --from=builder /go/src/github.com/openshift/cluster-image-registry-operator/tmp/_output/bin/cluster-image-registry-operator /usr/bin/
`,
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return files;
}
