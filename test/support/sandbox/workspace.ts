import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { operatorManifests } from '../cluster/payload';
import { fixturePath } from '../fixtures';
import { createSampleOperator, SAMPLE_COMPONENT, SAMPLE_REMOTE } from '../sample-operator';
import { SANDBOX_CONTENT_REPOSITORY, type Sandbox } from './index';

/** Component pullspec (by digest) of `name` in the sandbox payload `index`. */
export function sandboxComponent(sandbox: Sandbox, index: number, name: string): string {
  const payload = sandbox.payloads[index];
  const stream = JSON.parse(payload?.files.get('image-references') ?? '{}') as { spec?: { tags?: { name: string; from: { name: string } }[] } };
  const tag = stream.spec?.tags?.find((t) => t.name === name);
  if (!tag) throw new Error(`no component ${name} in sandbox payload ${index}`);
  return tag.from.name;
}

export interface DemoWorkspaceOptions {
  /**
   * Make the folder an operator checkout the dev loop builds (npm start): the sample operator (a Go main, go.mod,
   * Dockerfiles), a git repository whose origin is cluster-image-registry-operator's source location, and
   * .vscode/settings.json pointing Build, Push & Patch at a dev repository on the sandbox registry.
   */
  checkout?: boolean;
}

/** The sample operator's Go file in a checkout workspace, relative to the folder: the line a user edits. */
export const DEMO_MAIN_GO = `cmd/${SAMPLE_COMPONENT}/main.go`;

/** The checkout's manifest of the operator's Namespace, relative to the folder: one a user may edit harmlessly. */
export const DEMO_NAMESPACE_MANIFEST = 'manifests/00-namespace.yaml';

/**
 * The checkout's manifests/ as the sandbox payload ships them for the component (image-references, the operator
 * Deployment, its ClusterOperator, Namespace and ServiceAccount): they render to what the cluster holds, so
 * nothing is applied until the user edits one.
 */
function writeCheckoutManifests(dir: string): void {
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests, { recursive: true });
  fs.copyFileSync(fixturePath('operator-image-references', `${SAMPLE_COMPONENT}.image-references`), path.join(manifests, 'image-references'));
  for (const file of ['07-operator.yaml', '08-clusteroperator.yaml']) fs.copyFileSync(fixturePath('operator-manifests', SAMPLE_COMPONENT, file), path.join(manifests, file));
  const prefix = `0000_50_${SAMPLE_COMPONENT}_`;
  for (const [name, text] of Object.entries(operatorManifests())) if (name.startsWith(prefix)) fs.writeFileSync(path.join(manifests, name.slice(prefix.length)), text);
}

/** Where the checkout workspace's Build, Push & Patch pushes (okd.devRepository). */
export function sandboxDevRepository(sandbox: Sandbox): string {
  return `${sandbox.registry}/okd/dev`;
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=OKD Dev Sandbox', '-c', 'user.email=okd-dev@example.com', '-c', 'init.defaultBranch=main', ...args], { encoding: 'utf8' }).trim();
}

/**
 * The sample operator checkout in `dir`: its Dockerfile.okd starts FROM the component's image in the sandbox's
 * first payload (the image the fast path appends to, so both share the base layer), its origin is the
 * component's io.openshift.build.source-location.
 */
function writeOperatorCheckout(dir: string, sandbox: Sandbox): void {
  const sample = createSampleOperator({ baseImage: sandboxComponent(sandbox, 0, SAMPLE_COMPONENT) });
  try {
    fs.cpSync(sample.dir, dir, { recursive: true });
  } finally {
    sample.remove();
  }
  writeCheckoutManifests(dir);
  const settings = {
    'okd.devRepository': sandboxDevRepository(sandbox),
    'okd.devLoop.builder': 'append',
    // The module has no dependencies: a build needs no network.
    'okd.devLoop.buildEnv': { GOFLAGS: '-mod=mod', GOPROXY: 'off' },
  };
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    `# ${SAMPLE_COMPONENT} (okd-dev sandbox)

A small stand-in for [${SAMPLE_REMOTE}](${SAMPLE_REMOTE}): its git remote is that component's source location, so
the editor knows this checkout builds the \`${SAMPLE_COMPONENT}\` of the sandbox's payloads.

1. Change the version in \`${DEMO_MAIN_GO}\`.
2. Run **OKD: Build, Push & Patch** (the palette, the Cluster view's title, or the operator's row in the Release
   Explorer). It builds the binary, appends it as one layer to the payload's image, pushes that to
   \`${sandboxDevRepository(sandbox)}\` (okd.devRepository in .vscode/settings.json) and runs it in the test cluster.
3. Watch the rollout under **Patched Operators** in the Cluster view; **Restore Operator** puts the payload back.
4. \`manifests/\` holds what the payload ships for the operator. Change one (a label in \`${DEMO_NAMESPACE_MANIFEST}\`,
   an env var in \`manifests/07-operator.yaml\`) and run **OKD: Apply Checkout Manifests to Cluster**: it shows the
   difference against the cluster's object, asks, and applies it behind its own override (Build, Push & Patch
   asks the same). **Restore Operator** puts the payload's objects back.

Component images of the sandbox live in \`${sandbox.registry}/${SANDBOX_CONTENT_REPOSITORY}\`.
`,
  );
}

/**
 * A demo workspace whose files mention the sandbox's pullspecs, for hovers and the Release Explorer; with
 * `checkout`, also the operator checkout Build, Push & Patch builds (see DemoWorkspaceOptions).
 */
export function writeDemoWorkspace(dir: string, sandbox: Sandbox, options: DemoWorkspaceOptions = {}): Record<string, string> {
  fs.mkdirSync(dir, { recursive: true });
  if (options.checkout) writeOperatorCheckout(dir, sandbox);
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
  // The checkout has Dockerfiles of its own (the sample's).
  if (options.checkout) delete files['Dockerfile'];
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  if (options.checkout) {
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'okd-dev sandbox: demo files']);
  }
  return files;
}
