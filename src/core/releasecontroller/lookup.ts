import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { ReleaseControllerClient } from './client';

/** The stream that lists `tag` (from `/api/v1/releasestreams/all`), for a tag given without its stream. */
export async function findTagStream(client: ReleaseControllerClient, tag: string, token?: CancellationTokenLike): Promise<string> {
  const streams = await client.releaseStreams('all', token);
  const found = Object.entries(streams)
    .filter(([, tags]) => tags.includes(tag))
    .map(([name]) => name)
    .sort();
  if (found.length === 0) {
    throw new OkdError('not-found', `release controller ${client.host} lists no release tag ${tag} in any of its ${Object.keys(streams).length} streams`, 'check the tag (as the controller names it, e.g. 4.19.0-okd-scos.16) and the controller URL (--controller); old tags are deleted by the controller');
  }
  return found[0] as string;
}
