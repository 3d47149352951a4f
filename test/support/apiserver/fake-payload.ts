// A PayloadSource for tests: release payloads built from real operator manifests (testdata/operator-manifests),
// with the repos' placeholder images (quay.io/openshift/origin-*:latest, docker.io/openshift/origin-*:latest)
// rewritten to digest pullspecs, as `oc adm release new` does when it builds a payload.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Payload, PayloadManifest, PayloadSource } from './cvo';

const MANIFEST_DIR = join(__dirname, 'testdata', 'operator-manifests');
const PLACEHOLDER = /(?:quay\.io|docker\.io)\/openshift\/origin-([a-z0-9-]+):[A-Za-z0-9._-]+/g;

export interface FakeRelease {
  version: string;
  /** Where component images live, e.g. quay.io/okd/scos-content. */
  contentRepo?: string;
}

/** `quay.io/okd/scos-content@sha256:<digest of component+version>`, stable per release. */
export function componentPullspec(component: string, release: FakeRelease): string {
  const digest = createHash('sha256').update(`${component}@${release.version}`).digest('hex');
  return `${release.contentRepo ?? 'quay.io/okd/scos-content'}@sha256:${digest}`;
}

function rewriteImages(text: string, release: FakeRelease): string {
  return text
    .replace(PLACEHOLDER, (_m, component: string) => componentPullspec(component, release))
    .replace(/0\.0\.1-snapshot/g, release.version);
}

function operatorNamespaces(objects: object[]): object[] {
  const names = new Set<string>();
  for (const o of objects as Array<{ metadata?: { namespace?: string } }>) if (o.metadata?.namespace) names.add(o.metadata.namespace);
  return [...names].map((name) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, annotations: { 'include.release.openshift.io/self-managed-high-availability': 'true' }, labels: { 'openshift.io/cluster-monitoring': 'true' } },
  }));
}

export function fakePayload(release: FakeRelease): Payload {
  const manifests: PayloadManifest[] = [];
  for (const operator of readdirSync(MANIFEST_DIR).sort()) {
    const dir = join(MANIFEST_DIR, operator);
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
    const perOperator: PayloadManifest[] = files.map((f) => ({
      file: f.startsWith('0000_') ? f : `0000_50_${operator}_${f}`,
      objects: parseAllDocuments(rewriteImages(readFileSync(join(dir, f), 'utf8'), release))
        .map((d) => d.toJS() as object)
        .filter(Boolean),
    }));
    const namespaces = operatorNamespaces(perOperator.flatMap((m) => m.objects));
    manifests.push({ file: `0000_50_${operator}_00-namespace.yaml`, objects: namespaces }, ...perOperator);
  }
  return { version: release.version, manifests };
}

/** Maps release images to fake payloads; an unknown image fails like an unreachable release would. */
export function fakePayloadSource(releases: Record<string, FakeRelease>): PayloadSource {
  return async (image: string) => {
    const release = releases[image];
    if (!release) throw new Error(`unable to download the release image ${image}: manifest unknown`);
    return fakePayload(release);
  };
}
