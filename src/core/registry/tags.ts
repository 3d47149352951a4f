import type { CancellationTokenLike } from '../cancel';
import { OkdError } from '../errors';
import type { RegistryContext } from './context';
import { repoRef, unexpectedResponse } from './response-errors';

export interface ListTagsOptions {
  /** Page size (`?n=`); the registry's default when absent. */
  pageSize?: number;
}

/** The `rel="next"` target of a `Link` header, if any. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel="?next"?/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

const maxPages = 10_000;

/** All tags of a repository, following `Link: <...>; rel="next"` pagination. */
export async function listTags(
  ctx: RegistryContext,
  registry: string,
  repository: string,
  options: ListTagsOptions = {},
  token?: CancellationTokenLike,
): Promise<string[]> {
  const tags: string[] = [];
  let url = `/v2/${repository}/tags/list${options.pageSize ? `?n=${options.pageSize}` : ''}`;
  for (let page = 0; page < maxPages; page++) {
    const res = await ctx.auth.request({ method: 'GET', registry, url, ...(token ? { token } : {}) }, { repository, actions: 'pull' });
    if (res.status !== 200) throw await unexpectedResponse(res, registry, repository, { kind: 'repository', action: 'list tags' });
    const link = nextLink(res.headers.get('link'));
    const base = res.url;
    const body = (await res.jsonOrUndefined()) as { tags?: unknown } | undefined;
    if (body?.tags !== null && body?.tags !== undefined && !Array.isArray(body.tags)) {
      throw new OkdError('failed', `registry ${registry} answered the tag list of ${repoRef(registry, repository)} with something that is not a list`);
    }
    for (const t of (body?.tags as unknown[] | null | undefined) ?? []) if (typeof t === 'string') tags.push(t);
    if (!link) return tags;
    const next = new URL(link, base);
    url = next.origin === new URL(base).origin ? next.pathname + next.search : next.toString();
  }
  throw new OkdError('failed', `the tag list of ${repoRef(registry, repository)} has more than ${maxPages} pages`);
}
