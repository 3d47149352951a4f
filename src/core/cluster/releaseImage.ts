import { OkdError } from '../errors';
import type { ClusterVersion } from './types';

/**
 * The release image a cluster runs, as `oc adm release info` with no argument finds it: `status.desired.image`,
 * else `spec.desiredUpdate.image`.
 */
export function clusterReleaseImage(cv: ClusterVersion, context: string): string {
  const image = cv.status?.desired?.image || cv.spec?.desiredUpdate?.image;
  if (image) return image;
  throw new OkdError(
    'not-found',
    `the cluster of context ${context} is not reporting a release image (its ClusterVersion has no status.desired.image)`,
    'pass the release PULLSPEC to view',
  );
}
