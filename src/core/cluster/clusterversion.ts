import type { ClusterClient, WatchHandle } from './client';
import type { ClusterOperator, ClusterVersion } from './types';

/**
 * Watches the ClusterVersion `version` (no polling): `onChange` gets the object now and after every change.
 * `onError` ends the watch (token expired, cluster gone); callers decide whether to start again.
 */
export async function watchClusterVersion(client: ClusterClient, onChange: (cv: ClusterVersion) => void, onError: (err: Error) => void): Promise<WatchHandle> {
  const cv = await client.getClusterVersion();
  onChange(cv);
  return client.watch<ClusterVersion>(
    '/apis/config.openshift.io/v1/clusterversions',
    { fieldSelector: 'metadata.name=version', resourceVersion: cv.metadata.resourceVersion },
    (type, object) => {
      if (type !== 'DELETED') onChange(object);
    },
    onError,
  );
}

/** Watches every ClusterOperator: `onChange` gets the whole list now and after every change. */
export async function watchClusterOperators(client: ClusterClient, onChange: (operators: ClusterOperator[]) => void, onError: (err: Error) => void): Promise<WatchHandle> {
  const list = await client.listClusterOperatorsAt();
  const byName = new Map(list.items.map((co) => [co.metadata.name, co]));
  onChange([...byName.values()]);
  return client.watch<ClusterOperator>(
    '/apis/config.openshift.io/v1/clusteroperators',
    { resourceVersion: list.resourceVersion },
    (type, object) => {
      if (type === 'DELETED') byName.delete(object.metadata.name);
      else byName.set(object.metadata.name, object);
      onChange([...byName.values()]);
    },
    onError,
  );
}
