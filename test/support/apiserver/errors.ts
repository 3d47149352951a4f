// Kubernetes-shaped Status errors. Messages follow k8s.io/apimachinery/pkg/api/errors so clients (kubectl, the
// project's own code) see the same text they would from a real API server.
import type { ResourceDef } from './resources';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

export function status(code: number, reason: string, message: string, details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

/** `deployments.apps`, `namespaces` (core resources have no group suffix). */
export function qualified(def: ResourceDef): string {
  return def.group ? `${def.plural}.${def.group}` : def.plural;
}

function details(def: ResourceDef, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name !== undefined) d.name = name;
  if (def.group) d.group = def.group;
  d.kind = def.plural;
  return d;
}

export const errors = {
  unauthorized: () => new ApiError(status(401, 'Unauthorized', 'Unauthorized')),
  forbidden(def: ResourceDef, verb: string, user: string, name: string | undefined, namespace: string | undefined) {
    const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
    const subject = name ? `${qualified(def)} "${name}"` : qualified(def);
    const msg = `${subject} is forbidden: User "${user}" cannot ${verb} resource "${def.plural}" in API group "${def.group}" ${scope}`;
    return new ApiError(status(403, 'Forbidden', msg, details(def, name ?? '')));
  },
  notFound: (def: ResourceDef, name: string) =>
    new ApiError(status(404, 'NotFound', `${qualified(def)} "${name}" not found`, details(def, name))),
  alreadyExists: (def: ResourceDef, name: string) =>
    new ApiError(status(409, 'AlreadyExists', `${qualified(def)} "${name}" already exists`, details(def, name))),
  conflict: (def: ResourceDef, name: string) =>
    new ApiError(
      status(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualified(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        details(def, name),
      ),
    ),
  /** Field validation failure, as apimachinery's NewInvalid renders it. */
  invalid(def: ResourceDef, name: string, causes: Array<Required<Pick<StatusCause, 'reason' | 'message' | 'field'>>>) {
    const gk = def.group ? `${def.kind}.${def.group}` : def.kind;
    const lines = causes.map((c) => `${c.field}: ${c.message}`);
    const joined = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
    return new ApiError(
      status(422, 'Invalid', `${gk} "${name}" is invalid: ${joined}`, {
        name,
        ...(def.group ? { group: def.group } : {}),
        kind: def.kind,
        causes,
      }),
    );
  },
  /**
   * What the patch handler returns when a JSON patch cannot be applied (failed `test`, missing path): apimachinery's
   * NewGenericServerResponse(422) with isUnexpectedResponse=false, which drops the json-patch error text, so kubectl
   * prints "The request is invalid: the server rejected our request due to an error in our request".
   */
  patchNotApplied: (_serverMessage: string) =>
    new ApiError(status(422, 'Invalid', 'the server rejected our request due to an error in our request', {})),
  badRequest: (message: string) => new ApiError(status(400, 'BadRequest', message)),
  methodNotAllowed: () => new ApiError(status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')),
  unsupportedMediaType: (type: string) =>
    new ApiError(status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`)),
  notFoundPath: () => new ApiError(status(404, 'NotFound', 'the server could not find the requested resource')),
};
