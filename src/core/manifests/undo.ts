import { type CancellationTokenLike, throwIfCancelled } from '../cancel';
import type { ClusterClient } from '../cluster/client';
import { addOverride, removeOverride } from '../cluster/overrides';
import { watchUntil } from '../cluster/watchUntil';
import { OkdError } from '../errors';
import type { ReleaseCache } from '../release/cache';
import { readPayload } from '../release/reader';
import type { RegistryClient } from '../registry/client';
import type { Platform } from '../registry/types';
import { ObjectApi } from './api';
import { diffObject, followPatchedImages, holdsPrevious, putBack } from './merge';
import { formatRef, type KubeObject, type ObjectRef, parseManifestObjects, refOf, sameRef } from './objects';
import { deleteRecord, findRecords, type ManifestRecordEntry } from './record';

export interface RestoreManifestsOptions {
  registry: RegistryClient;
  cache?: ReleaseCache;
  platform?: Platform;
  token?: CancellationTokenLike;
  onStep?: (message: string) => void;
  /** Wait until the CVO has put the payload's objects back (default true). */
  wait?: boolean;
  /** How long that may take (default 300 s). */
  timeoutMs?: number;
}

/**
 * deleted: the object was new and is not in the payload; restored: the CVO manages it again and it holds the
 * payload's manifest; put-back: its override is someone else's, so okd-dev wrote back what was there and the CVO
 * still leaves it alone; left-to-cvo: not waited for (--no-wait).
 */
export type RestoredHow = 'deleted' | 'restored' | 'put-back' | 'left-to-cvo';

export interface RestoredObject {
  ref: ObjectRef;
  how: RestoredHow;
  overrideRemoved: boolean;
}

export interface RestoreManifestsResult {
  component: string;
  release: string;
  restored: RestoredObject[];
}

/** The payload's object of `ref` (from the release the cluster runs), undefined when the payload has none. */
function payloadObject(files: Record<string, string>, ref: ObjectRef): KubeObject | undefined {
  for (const [file, text] of Object.entries(files)) {
    if (!/\.(?:ya?ml|json)$/.test(file) || !text.includes(ref.name)) continue;
    let objects: KubeObject[];
    try {
      objects = parseManifestObjects(file, text);
    } catch {
      continue; // the CVO cannot apply that file either
    }
    // A cluster-scoped object (ref without namespace) matches whatever namespace its manifest names; a namespaced
    // manifest naming none is in `default`, as the CVO applies it.
    const found = objects.find((o) => sameRef(ref, { ...refOf(o), namespace: ref.namespace === '' ? '' : (o.metadata.namespace ?? 'default') }));
    if (found) return found;
  }
  return undefined;
}

async function writeBack(api: ObjectApi, e: ManifestRecordEntry): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const live = await api.get(e.ref);
    if (!live || holdsPrevious(live, e.previous)) return;
    try {
      await api.replace(putBack(live, e.previous));
      return;
    } catch (err) {
      if (!(err instanceof OkdError && err.kind === 'conflict') || attempt >= 5) throw err;
    }
  }
}

/**
 * Undoes apply-manifests for `component`, from the record in the cluster (any machine): objects apply created that
 * the payload does not have are deleted; every other object gets back the fields apply wrote, as they were; then
 * the overrides okd-dev added are removed (an override that was there before stays), and restore waits until the
 * CVO has put the payload's objects back (the live object holds the payload's manifest). The record goes last.
 */
export async function restoreManifests(client: ClusterClient, component: string, options: RestoreManifestsOptions): Promise<RestoreManifestsResult> {
  const api = new ObjectApi(client);
  const step = options.onStep ?? (() => undefined);
  const token = options.token;
  step('reading okd-dev\'s record');
  const records = await findRecords(api, component);
  if (!records.length) {
    throw new OkdError('not-found', `okd-dev applied no manifests of ${component} to cluster ${client.server}`, 'apply them with `okd-dev cluster apply-manifests`; `okd-dev cluster status` lists the overrides');
  }
  const cv = await client.getClusterVersion();
  const image = cv.status?.desired?.image;
  if (!image) throw new OkdError('not-found', `the ClusterVersion of context ${client.context} has no status.desired.image`, 'wait for the cluster-version operator to load its payload');
  step(`reading the payload ${image}`);
  const payload = await readPayload(image, { registry: options.registry, ...(options.cache ? { cache: options.cache } : {}), ...(options.platform ? { platform: options.platform } : {}), ...(token ? { token } : {}), logger: client.logger });

  const restored: RestoredObject[] = [];
  const waits: { entry: ManifestRecordEntry; manifest?: KubeObject; out: RestoredObject }[] = [];
  for (const record of records) {
    // Last applied first, so an object of a kind a CRD of the same apply defines goes before that CRD.
    for (const e of [...record.entries].reverse()) {
      throwIfCancelled(token, `restore manifests of ${component}`);
      const manifest = payloadObject(payload.files, e.ref);
      const out: RestoredObject = { ref: e.ref, how: 'left-to-cvo', overrideRemoved: false };
      if (e.created && !manifest) {
        step(`delete ${formatRef(e.ref)}`);
        await api.delete(e.ref);
        out.how = 'deleted';
      } else if (!e.created) {
        step(`put back ${formatRef(e.ref)}`);
        await writeBack(api, e);
      }
      if (e.overrideAdded) {
        await removeOverride(client, e.override);
        out.overrideRemoved = true;
      } else if (e.previousOverride) {
        await addOverride(client, e.previousOverride);
        out.overrideRemoved = true;
      } else if (out.how !== 'deleted') {
        out.how = 'put-back';
      }
      restored.push(out);
      if (out.how === 'left-to-cvo') waits.push({ entry: e, ...(manifest ? { manifest } : {}), out });
    }
  }

  if (options.wait !== false && waits.length) {
    step('waiting for the cluster-version operator to put the payload\'s objects back');
    // Each object watched until it holds the payload's manifest again (or is gone, when the payload has none).
    const timeoutMs = options.timeoutMs ?? 300_000;
    const timedOut = new Set<(typeof waits)[number]>();
    const results = await Promise.allSettled(
      waits.map(async (w) => {
        const manifest = w.manifest ? { ...w.manifest, metadata: { ...w.manifest.metadata, ...(w.entry.ref.namespace ? { namespace: w.entry.ref.namespace } : {}) } } : undefined;
        await watchUntil<KubeObject>(client, {
          collection: await api.collectionOf(w.entry.ref),
          name: w.entry.ref.name,
          what: formatRef(w.entry.ref),
          done: (live) => (manifest ? live !== undefined && diffObject(followPatchedImages(manifest, live), live).length === 0 : live === undefined),
          timeoutMs,
          timeoutError: () => {
            timedOut.add(w);
            return new Error('timed out');
          },
          ...(token ? { token } : {}),
        });
        w.out.how = 'restored';
      }),
    );
    const failed = results.find((r, i): r is PromiseRejectedResult => r.status === 'rejected' && !timedOut.has(waits[i] as (typeof waits)[number]));
    if (failed) throw failed.reason;
    if (timedOut.size) {
      throw new OkdError(
        'failed',
        `the cluster-version operator has not put back ${[...timedOut].map((w) => formatRef(w.entry.ref)).join(', ')} within ${Math.round(timeoutMs / 1000)} s`,
        'the overrides are removed and the record is kept; check the CVO (`okd-dev cluster status`) and run restore-manifests again',
      );
    }
  }
  for (const record of records) await deleteRecord(api, record);
  return { component, release: payload.pullSpec, restored };
}

const RESTORED_WORDS: Record<RestoredHow, string> = {
  deleted: 'deleted (not in the payload)',
  restored: 'restored by the cluster-version operator',
  'put-back': "put back (its override is not okd-dev's and stays)",
  'left-to-cvo': 'override removed, not waited for',
};

/** What restore-manifests did, one line per object (the CLI and the editor both say it). */
export function describeRestoredManifests(result: RestoreManifestsResult): string {
  return [`Restored the manifests of ${result.component}:`, ...result.restored.map((r) => `  ${formatRef(r.ref)}: ${RESTORED_WORDS[r.how]}`)].join('\n');
}
