import { OkdError } from '../errors';

/** What a request was doing, for messages: `patch clusterversions.config.openshift.io "version"`. */
export interface RequestWhat {
  verb: 'get' | 'list' | 'watch' | 'patch' | 'update' | 'create' | 'delete';
  resource: string;
  name?: string;
  namespace?: string;
}

export interface ClusterWhere {
  context: string;
  server: string;
  user: string;
}

interface StatusBody {
  message?: string;
  reason?: string;
  code?: number;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET']);
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

/** The HTTP status of a client-node error: ApiException.code, or statusCode for watches. */
export function statusCodeOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The Kubernetes Status of an ApiException (its body is the parsed Status or its JSON text). */
export function statusOf(err: unknown): StatusBody {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? (body as StatusBody) : {};
}

function networkCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; errno?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    for (const value of [e.code, e.errno]) if (typeof value === 'string' && (NETWORK_CODES.has(value) || TLS_CODES.test(value))) return value;
  }
  const text = (err as Error)?.message ?? '';
  return /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.exec(text)?.[1];
}

export function describeObject(what: RequestWhat): string {
  const name = what.name ? ` "${what.namespace ? `${what.namespace}/` : ''}${what.name}"` : what.namespace ? ` in namespace ${what.namespace}` : '';
  return `${what.resource}${name}`;
}

/** RBAC's own words: `User "viewer" cannot patch resource "clusterversions" in API group ...`. */
const RBAC_DENIAL = /\bUser "([^"]+)" cannot [a-z]+ resource\b/;

/**
 * A 403 with the server's message: a plain RBAC denial gets the "may not" summary and the cluster-admin hint; an
 * admission webhook, a ValidatingAdmissionPolicy or another denial gets its message only (more rights would not help).
 */
function forbidden(err: unknown, status: StatusBody, what: RequestWhat, where: ClusterWhere): OkdError {
  const message = status.message?.trim();
  const rbac = message ? RBAC_DENIAL.exec(message) : null;
  if (rbac) {
    return new OkdError('forbidden', `user ${rbac[1]} may not ${what.verb} ${describeObject(what)} (context ${where.context}): ${message}`, 'use a context with cluster-admin rights', { cause: err });
  }
  if (!message) return new OkdError('forbidden', `user ${where.user} may not ${what.verb} ${describeObject(what)} (context ${where.context}); the server gave no reason`, undefined, { cause: err });
  return new OkdError('forbidden', `${what.verb} ${describeObject(what)} was denied (context ${where.context}): ${message}`, undefined, { cause: err });
}

/**
 * Turns a client-node failure into an error the user can act on: unreachable server, rejected token, missing
 * permission, missing object, or the API server's own words.
 */
export function clusterError(err: unknown, what: RequestWhat, where: ClusterWhere): OkdError {
  if (err instanceof OkdError) return err;
  const code = statusCodeOf(err);
  if (code === undefined) {
    const net = networkCode(err);
    if (net && TLS_CODES.test(net)) {
      return new OkdError('unreachable', `the certificate of cluster ${where.server} is not trusted: ${net}`, `check certificate-authority-data of context ${where.context} in the kubeconfig`, { cause: err });
    }
    if (net) return new OkdError('unreachable', `cluster ${where.server} did not answer: ${net}`, 'check the context', { cause: err });
    const message = ((err as Error)?.message ?? String(err)).split('\n')[0];
    return new OkdError('failed', `${what.verb} ${describeObject(what)} on cluster ${where.server} failed: ${message}`, undefined, { cause: err });
  }
  const status = statusOf(err);
  switch (code) {
    case 401:
      return new OkdError('unauthorized', `the token for context ${where.context} was rejected or expired`, 'log in again with `oc login`', { cause: err });
    case 403:
      return forbidden(err, status, what, where);
    case 404:
      return new OkdError('not-found', `${describeObject(what)} not found on cluster ${where.server}`, undefined, { cause: err });
    case 409:
      return new OkdError('conflict', `${describeObject(what)} was changed by someone else while we wrote it`, 'try again', { cause: err });
    default:
      return new OkdError(
        code === 422 || code === 400 ? 'invalid-input' : 'failed',
        `${what.verb} ${describeObject(what)} was refused (${code}${status.reason ? ` ${status.reason}` : ''}): ${status.message ?? 'no message'}`,
        undefined,
        { cause: err },
      );
  }
}
