// The dev loop's first stage: the release (given, or the cluster's), the checkout matched to one of its components,
// that component's image, and where the new image goes (the dev repository, or the cluster's own registry).
import { readSourceImage, type SourceImage } from '../build/append';
import type { ClusterClient } from '../cluster/client';
import type { ClusterPushTarget } from '../cluster/clusterRegistry';
import { readClusterRelease } from '../cluster/patch';
import { OkdError } from '../errors';
import { parsePullspec, type Pullspec } from '../pullspec';
import type { ReleaseCache } from '../release/cache';
import { ANNOTATION_COMMIT, ANNOTATION_SOURCE, type Release } from '../release/model';
import { readRelease } from '../release/reader';
import { matchWorkspaceFiles, readWorkspaceFiles, type Workspace } from '../workspace';
import { sourceLocationOf } from '../workspace/remotes';
import { clusterRegistryTarget } from './clusterTarget';
import type { DevLoopOptions } from './loop';
import type { StageTracker } from './stages';

/** Set on dev images built from a work tree with uncommitted changes. */
export const LABEL_DIRTY = 'okd-dev.openshift.io/dirty';

export function devTag(component: string, commit: string, dirty: boolean, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').replace(/\..*$/, '');
  const name = component.replace(/[^\w.-]/g, '-').slice(0, 80);
  return `${name}-${commit ? commit.slice(0, 7) : 'nocommit'}${dirty ? '-dirty' : ''}-${stamp}`;
}

/** The labels a dev image carries: the workspace's commit and source, as the payload's images do. */
export function devLabels(workspace: Workspace): Record<string, string> {
  return {
    [ANNOTATION_COMMIT]: workspace.git.commit,
    [ANNOTATION_SOURCE]: sourceLocationOf(workspace.match.remote.url),
    ...(workspace.git.dirty ? { [LABEL_DIRTY]: 'true' } : {}),
  };
}

function parseDevRepository(text: string): Pick<Pullspec, 'registry' | 'repository'> {
  if (!text) throw new OkdError('invalid-input', 'no dev repository to push to', 'pass --to REGISTRY/REPOSITORY (or set okd.devRepository), e.g. quay.io/me/okd-dev');
  const ref = parsePullspec(text);
  if (ref.tag || ref.digest) throw new OkdError('invalid-input', `the dev repository ${text} has a tag or digest`, `give the repository only: ${ref.registry}/${ref.repository}`);
  return { registry: ref.registry, repository: ref.repository };
}

export interface Prepared {
  release: Release;
  releaseImage: string;
  workspace: Workspace;
  component: SourceImage;
  to: Pick<Pullspec, 'registry' | 'repository'>;
  tag: string;
  labels: Record<string, string>;
  now: Date;
  /** Set when the image goes to the cluster's own registry (no dev repository). */
  clusterRegistry?: ClusterPushTarget;
}

export async function prepare(options: DevLoopOptions, cache: ReleaseCache, tracker: StageTracker): Promise<Prepared> {
  // No dev repository and a cluster: the cluster's own registry (resolved once the component is known).
  const toRepository = options.to || !options.cluster ? parseDevRepository(options.to) : undefined;
  const readingRelease = (async (): Promise<{ release: Release; releaseImage: string }> => {
    if (options.release) {
      const release = await readRelease(options.release, { registry: options.client, cache, platform: options.platform, token: options.token, logger: options.logger });
      return { release, releaseImage: options.release };
    }
    if (options.cluster) {
      const current = await readClusterRelease(options.cluster, { registry: options.client, cache, platform: options.platform, token: options.token });
      return { release: current.release, releaseImage: current.image };
    }
    throw new OkdError('invalid-input', 'no release to build against', 'pass --release PULLSPEC, or a cluster (--kubeconfig/--context) whose release is used');
  })();
  // The checkout is read while the release is: neither needs the other.
  const readingFiles = readWorkspaceFiles(options.dir, { token: options.token, logger: options.logger });
  tracker.detail(`reading ${options.release ?? `the release of context ${options.cluster?.context ?? '?'}`} and the checkout at ${options.dir}`);
  const [releaseRead, filesRead] = await Promise.allSettled([readingRelease, readingFiles]);
  if (releaseRead.status === 'rejected') throw releaseRead.reason;
  if (filesRead.status === 'rejected') throw filesRead.reason;
  const { release, releaseImage } = releaseRead.value;
  tracker.detail(`matching ${options.dir} to a component of ${release.version}`);
  const workspace = matchWorkspaceFiles(filesRead.value, release, { component: options.component });
  const pullSpec = workspace.match.pullSpec;
  const ref = parsePullspec(pullSpec);
  tracker.detail(`reading ${workspace.match.component} image ${pullSpec}`);
  const component = await readSourceImage(options.client, ref, options.platform, options.token);
  const now = (options.now ?? (() => new Date()))();
  const clusterRegistry = toRepository ? undefined : await clusterRegistryTarget(options.cluster as ClusterClient, options.client, release, workspace.match.component, (l) => {
    tracker.detail(l);
    options.onLine?.(l);
  });
  const to = toRepository ?? (clusterRegistry as ClusterPushTarget).to;
  return {
    release,
    releaseImage,
    workspace,
    component,
    to,
    tag: devTag(workspace.match.component, workspace.git.commit, workspace.git.dirty, now),
    labels: devLabels(workspace),
    now,
    ...(clusterRegistry ? { clusterRegistry } : {}),
  };
}
