// Pull access to the cluster's own registry (`image-registry.openshift-image-registry.svc:5000/ns/name@…`): the
// hostname resolves inside the cluster only, so instead of asking the registry from this machine we ask what the
// registry itself asks: may the identity in the pod's pull secret for that hostname (a ServiceAccount's token, as
// openshift-controller-manager puts in each ServiceAccount's dockercfg secret) get imagestreams/layers in the
// repository's namespace? Without such a secret the kubelet pulls anonymously, which the registry refuses.
import type { OkdErrorKind } from '../errors';
import type { Pullspec } from '../pullspec';
import type { ClusterClient } from './client';
import { canServiceAccountOnLayers } from './clusterRegistryApi';
import type { PullCredential } from './pullSecretKeyring';

export interface InternalPullAnswer {
  ok: boolean;
  via: string;
  key?: string;
  reason?: string;
  kind?: OkdErrorKind;
  note?: string;
}

/** The ServiceAccount a token belongs to (its JWT `sub`, read, not verified: the API server verifies it). */
export function serviceAccountOfToken(token: string): { namespace: string; name: string } | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const sub = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: string }).sub ?? '';
    const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub);
    return m ? { namespace: m[1] as string, name: m[2] as string } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether pods in `namespace` running as `serviceAccount`, with these credentials for the hostname, may pull `ref`. */
export async function checkInternalPull(
  client: ClusterClient,
  ref: Pullspec,
  pod: { namespace: string; serviceAccount: string },
  credentials: PullCredential[],
): Promise<InternalPullAnswer> {
  const [repoNamespace, ...rest] = ref.repository.split('/');
  const name = rest.join('/');
  if (!repoNamespace || !name) {
    return { ok: false, via: 'anonymous', kind: 'invalid-input', reason: `${ref.registry}/${ref.repository} names no namespace: the cluster's registry keeps images as NAMESPACE/NAME` };
  }
  const credential = credentials[0];
  if (!credential) {
    return {
      ok: false,
      via: 'anonymous',
      kind: 'unauthorized',
      reason: `the pods of ServiceAccount ${pod.namespace}/${pod.serviceAccount} have no pull secret for ${ref.registry}, and the cluster's registry refuses anonymous pulls (each ServiceAccount normally gets a dockercfg secret for it)`,
    };
  }
  const identity = serviceAccountOfToken(credential.password) ?? { namespace: pod.namespace, name: pod.serviceAccount };
  const who = `ServiceAccount ${identity.namespace}/${identity.name}`;
  let review: { allowed: boolean; reason?: string };
  try {
    review = await canServiceAccountOnLayers(client, identity, { namespace: repoNamespace, name, verb: 'get' });
  } catch (err) {
    if ((err as { kind?: string }).kind !== 'forbidden') throw err;
    return { ok: true, via: credential.source, key: credential.key, note: `could not check the pull rights of ${who} (no right to create SubjectAccessReviews)` };
  }
  if (review.allowed) return { ok: true, via: credential.source, key: credential.key };
  return {
    ok: false,
    via: credential.source,
    key: credential.key,
    kind: 'forbidden',
    reason: `${who} may not pull from namespace ${repoNamespace} of the cluster's registry (it needs get on imagestreams/layers there: \`oc policy add-role-to-user system:image-puller system:serviceaccount:${identity.namespace}:${identity.name} -n ${repoNamespace}\`)`,
  };
}
