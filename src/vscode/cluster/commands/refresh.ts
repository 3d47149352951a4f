import type { ClusterCommand } from './types';

/** okd.cluster.refresh (also Retry on the error row): reads the kubeconfig again and reconnects. Returns the state kind. */
export const refresh: ClusterCommand = {
  id: 'okd.cluster.refresh',
  async run({ services, model }) {
    services.logger.info('cluster: refresh');
    await model.reconnect();
    return model.state.kind;
  },
};
