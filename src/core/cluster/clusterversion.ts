import type { ClusterClient, InformerHandlers, WatchHandle } from './client';
import type { ClusterOperator, ClusterVersion } from './types';

/** What a watcher hears of the connection itself: a retry after a failure, and the server answering again. */
export type ConnectionHandlers = Pick<InformerHandlers<unknown>, 'onRetry' | 'onReconnected'>;

/**
 * Watches the ClusterVersion `version` (list+watch, no polling): `onChange` gets the object now and after every
 * change, and again after a re-list. Reconnects through API server restarts; `onError` ends the watch (token
 * expired, access denied); callers decide whether to start again.
 */
export async function watchClusterVersion(client: ClusterClient, onChange: (cv: ClusterVersion) => void, onError: (err: Error) => void, connection: ConnectionHandlers = {}): Promise<WatchHandle> {
  return client.inform<ClusterVersion>(
    '/apis/config.openshift.io/v1/clusterversions',
    { fieldSelector: 'metadata.name=version' },
    {
      onSync: (items) => {
        if (items[0]) onChange(items[0]);
      },
      onEvent: (type, cv) => {
        if (type !== 'DELETED') onChange(cv);
      },
      onError,
      ...connection,
    },
  );
}

/** Watches every ClusterOperator: `onChange` gets the whole list now and after every change. */
export async function watchClusterOperators(
  client: ClusterClient,
  onChange: (operators: ClusterOperator[]) => void,
  onError: (err: Error) => void,
  connection: ConnectionHandlers = {},
): Promise<WatchHandle> {
  const informer = client.inform<ClusterOperator>('/apis/config.openshift.io/v1/clusteroperators', {}, { onSync: onChange, onEvent: () => onChange(informer.items()), onError, ...connection });
  return informer;
}
