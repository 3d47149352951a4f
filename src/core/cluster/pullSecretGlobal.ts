// The global pull secret (openshift-config/pull-secret), which OKD's kubelet uses for every pod: add the user's own
// credentials for one registry key, and undo it. The plan is pullSecretMerge's; this applies it, reading the
// secret again when a concurrent writer made the guarded patch fail.
import { OkdError } from '../errors';
import { parsePullspec, type Pullspec } from '../pullspec';
import { type CredentialStoreOptions, findCredentials } from '../registry/credentials';
import type { ClusterClient } from './client';
import { getSecret, patchSecret } from './pullSecretApi';
import {
  GLOBAL_PULL_SECRET,
  mergeGlobalPullSecret,
  planGlobalPullSecretUndo,
  type PullSecretChange,
  type PullSecretRecord,
  type PullSecretUndo,
  readPullSecretRecord,
  type Secret,
  type UserAuth,
} from './pullSecretMerge';

const ATTEMPTS = 5;
const where = `secret ${GLOBAL_PULL_SECRET.namespace}/${GLOBAL_PULL_SECRET.name}`;

/** A `test` op that failed (the API server answers 422 naming the test) or a 409: someone wrote the secret. */
function isRace(err: unknown): boolean {
  if (!(err instanceof OkdError)) return false;
  return err.kind === 'conflict' || (err.kind === 'invalid-input' && /\btest\b/i.test(err.message));
}

async function readGlobal(client: ClusterClient): Promise<Secret> {
  try {
    return await getSecret(client, GLOBAL_PULL_SECRET.namespace, GLOBAL_PULL_SECRET.name);
  } catch (err) {
    if (err instanceof OkdError && err.kind === 'not-found') {
      throw new OkdError('not-found', `the cluster of context ${client.context} has no global pull secret (${where})`, 'this is not an OKD cluster; add a pull secret to the ServiceAccount instead', { cause: err });
    }
    throw err;
  }
}

async function applyGuarded<T extends PullSecretChange>(client: ClusterClient, plan: (secret: Secret) => T): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const change = plan(await readGlobal(client));
    if (!change.changed) return change;
    try {
      await patchSecret(client, GLOBAL_PULL_SECRET.namespace, GLOBAL_PULL_SECRET.name, change.ops);
      return change;
    } catch (err) {
      if (!isRace(err) || attempt >= ATTEMPTS) throw err;
      client.logger.debug(`${where} changed while we wrote it; reading it again (attempt ${attempt + 1})`);
    }
  }
}

export interface GlobalPullSecretAdded {
  key: string;
  /** False when the entry already held these credentials: nothing was written and nothing is to undo for it. */
  changed: boolean;
  record?: PullSecretRecord;
}

/**
 * Puts `auth` into the global pull secret under `key` (see pullSecretKeyFor), every other entry kept, recorded on
 * the secret so `undoGlobalPullSecret` works from any machine. Never logs the credentials.
 */
export async function addToGlobalPullSecret(client: ClusterClient, key: string, auth: UserAuth, now: Date = new Date()): Promise<GlobalPullSecretAdded> {
  const change = await applyGuarded(client, (secret) => mergeGlobalPullSecret(secret, key, auth, now));
  client.logger.info(change.changed ? `${where}: added credentials for ${key}` : `${where}: already holds these credentials for ${key}`);
  return { key, changed: change.changed, ...(change.record ? { record: change.record } : {}) };
}

/**
 * Undoes `addToGlobalPullSecret` for `record.keys` (default: every key okd-dev recorded on the secret): each entry
 * back to what it was, or removed; the whole secret back byte for byte when nothing else changed it since.
 */
export async function undoGlobalPullSecret(client: ClusterClient, record: { keys?: string[] } = {}, now: Date = new Date()): Promise<Pick<PullSecretUndo, 'restored' | 'left' | 'exact' | 'changed'>> {
  const undo = await applyGuarded(client, (secret) => planGlobalPullSecretUndo(secret, record.keys, now));
  for (const key of undo.restored) client.logger.info(`${where}: the entry for ${key} is back as it was`);
  for (const key of undo.left) client.logger.warn(`${where}: the entry for ${key} changed since okd-dev wrote it; left as it is`);
  return { restored: undo.restored, left: undo.left, exact: undo.exact, changed: undo.changed };
}

/** What okd-dev added to the global pull secret (for status and restore), undefined when nothing. */
export async function readGlobalPullSecretRecord(client: ClusterClient): Promise<PullSecretRecord | undefined> {
  return readPullSecretRecord(await readGlobal(client));
}

/**
 * The key to add for an image: `registry/repository` by default, so only that repository uses the user's
 * credentials (the kubelet tries longer keys first); `registry` for the whole registry.
 */
export function pullSecretKeyFor(image: string | Pullspec, scope: 'repository' | 'registry' = 'repository'): string {
  const ref = typeof image === 'string' ? parsePullspec(image) : image;
  return scope === 'registry' ? ref.registry : `${ref.registry}/${ref.repository}`;
}

/**
 * The user's own credentials for an image, found as podman finds them (auth files, credential helpers). The kubelet
 * takes a username and password only: an identity token alone cannot go into a pull secret.
 */
export async function userPullAuth(image: string | Pullspec, options: CredentialStoreOptions = {}): Promise<UserAuth & { source: string }> {
  const ref = typeof image === 'string' ? parsePullspec(image) : image;
  const found = await findCredentials(ref.registry, ref.repository, options);
  if (!found) {
    throw new OkdError('not-found', `you have no credentials for ${ref.registry}/${ref.repository} in your auth files`, `log in with \`podman login ${ref.registry}\` first`);
  }
  if (!found.username && !found.password) {
    throw new OkdError('unsupported', `your credentials for ${ref.registry} (from ${found.source}) are an identity token, which a pull secret cannot carry`, `log in with a username and password or a robot account: \`podman login ${ref.registry}\``);
  }
  return { username: found.username, password: found.password, source: found.source };
}
