// Bearer-token authentication and a two-role authorisation: admin may do anything, the viewer only reads.
import { randomBytes } from 'node:crypto';
import { ApiError, errors } from './errors';

export interface Identity {
  user: string;
  readOnly: boolean;
}

export function newToken(prefix: string): string {
  return `sha256~${prefix}-${randomBytes(18).toString('base64url')}`;
}

export class TokenAuth {
  private readonly tokens = new Map<string, Identity>();
  private readonly expired = new Set<string>();

  add(token: string, identity: Identity): void {
    this.tokens.set(token, identity);
  }

  /** From now on this token answers 401, as an expired OpenShift OAuth token does. */
  expire(token: string): void {
    this.expired.add(token);
  }

  authenticate(authorization: string | undefined): Identity {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const identity = m ? this.tokens.get(m[1]) : undefined;
    if (!m || !identity || this.expired.has(m[1])) throw errors.unauthorized();
    return identity;
  }
}

const VERB_BY_METHOD: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function writeVerb(method: string): string | undefined {
  return VERB_BY_METHOD[method];
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
