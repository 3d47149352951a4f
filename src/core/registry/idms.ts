import * as fs from 'node:fs';
import { OkdError } from '../errors';
import { loadYaml } from '../lazyModules';

/**
 * ImageDigestMirrorSet and ImageContentSourcePolicy files as `oc --idms-file` / `--icsp-file` read them
 * (openshift/oc pkg/cli/image/strategy/onerror.go): each entry's `source` is a repository or a parent of one
 * (`quay.io/okd` covers `quay.io/okd/scos-content`), each mirror gets the rest of the repository appended. They are
 * digest mirrors: only references by digest (manifests and blobs) use them.
 */
export interface DigestMirrorRule {
  source: string;
  mirrors: string[];
  /** IDMS `mirrorSourcePolicy`; ICSP entries always allow the source. */
  mirrorSourcePolicy: 'AllowContactingSource' | 'NeverContactSource';
  /** The file it came from. */
  file: string;
}

export type DigestMirrorKind = 'idms' | 'icsp';

const kinds = {
  idms: { kind: 'ImageDigestMirrorSet', group: 'config.openshift.io/', list: 'imageDigestMirrors', flag: '--idms-file' },
  icsp: { kind: 'ImageContentSourcePolicy', group: 'operator.openshift.io/', list: 'repositoryDigestMirrors', flag: '--icsp-file' },
} as const;

function fileError(kind: DigestMirrorKind, file: string, message: string): OkdError {
  return new OkdError('invalid-input', `${kinds[kind].flag} ${file}: ${message}`, `give a ${kinds[kind].kind} YAML file (oc get ${kinds[kind].kind.toLowerCase()} NAME -o yaml)`);
}

export function readDigestMirrorFile(kind: DigestMirrorKind, file: string): DigestMirrorRule[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw fileError(kind, file, `cannot be read: ${(err as Error).message}`);
  }
  return parseDigestMirrors(kind, text, file);
}

export function parseDigestMirrors(kind: DigestMirrorKind, text: string, file: string = kind): DigestMirrorRule[] {
  const spec = kinds[kind];
  if (!text.trim()) throw fileError(kind, file, 'is empty');
  let docs: unknown[];
  try {
    docs = loadYaml()
      .parseAllDocuments(text)
      .map((d) => {
        if (d.errors.length) throw d.errors[0] as Error;
        return d.toJS() as unknown;
      })
      .filter((d) => d !== null && d !== undefined);
  } catch (err) {
    throw fileError(kind, file, `is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!docs.length) throw fileError(kind, file, `holds no ${spec.kind}`);
  const rules: DigestMirrorRule[] = [];
  docs.forEach((doc, i) => {
    const obj = doc as { apiVersion?: unknown; kind?: unknown; spec?: Record<string, unknown> };
    const where = docs.length > 1 ? `document ${i + 1}` : 'the document';
    if (obj?.kind !== spec.kind || typeof obj.apiVersion !== 'string' || !obj.apiVersion.startsWith(spec.group)) {
      throw fileError(kind, file, `${where} is ${typeof obj?.kind === 'string' ? `a ${obj.kind}` : 'not a Kubernetes object'}, not a ${spec.kind} (${spec.group}...)`);
    }
    const entries = obj.spec?.[spec.list];
    if (entries === undefined || entries === null) return;
    if (!Array.isArray(entries)) throw fileError(kind, file, `spec.${spec.list} is not a list`);
    entries.forEach((e: unknown, j) => {
      const entry = e as { source?: unknown; mirrors?: unknown; mirrorSourcePolicy?: unknown };
      const at = `spec.${spec.list}[${j}]`;
      if (typeof entry?.source !== 'string' || !entry.source) throw fileError(kind, file, `${at}.source is missing`);
      const mirrors = entry.mirrors ?? [];
      if (!Array.isArray(mirrors) || mirrors.some((m) => typeof m !== 'string' || !m)) throw fileError(kind, file, `${at}.mirrors must be a list of repositories`);
      const policy = kind === 'idms' ? (entry.mirrorSourcePolicy ?? '') : '';
      if (policy !== '' && policy !== 'AllowContactingSource' && policy !== 'NeverContactSource') {
        throw fileError(kind, file, `${at}.mirrorSourcePolicy is ${JSON.stringify(policy)}: it is AllowContactingSource or NeverContactSource`);
      }
      for (const r of [entry.source, ...(mirrors as string[])]) {
        if (/^[a-z]+:\/\//i.test(r) || /[@\s]/.test(r)) throw fileError(kind, file, `${at}: "${r}" is not a repository (host[:port][/path])`);
      }
      rules.push({
        source: entry.source.replace(/\/+$/, ''),
        mirrors: (mirrors as string[]).map((m) => m.replace(/\/+$/, '')),
        mirrorSourcePolicy: policy === 'NeverContactSource' ? 'NeverContactSource' : 'AllowContactingSource',
        file,
      });
    });
  });
  return rules;
}

function isSubrepo(repo: string, ancestor: string): boolean {
  return repo === ancestor || (repo.length > ancestor.length && repo.startsWith(ancestor) && repo.charAt(ancestor.length) === '/');
}

const dockerHubNames = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
function sameRepository(a: string, b: string): boolean {
  const norm = (s: string) => {
    const [host, ...rest] = s.split('/');
    return `${dockerHubNames.has(host ?? '') ? 'docker.io' : host}/${rest.join('/')}`;
  };
  return norm(a) === norm(b);
}

export interface DigestMirrors {
  /** The mirror repositories (`host/path`), in file order, without duplicates. */
  mirrors: string[];
  /** Whether the source itself may be read (false when a matching rule says NeverContactSource). */
  contactSource: boolean;
}

/**
 * The mirrors of a repository (`host/path`), as alternativeImageSourcesIDMS computes them; a source's policy must be
 * the same in every rule naming it (oc refuses a file that says both).
 */
export function digestMirrorsFor(rules: readonly DigestMirrorRule[], repository: string): DigestMirrors {
  const mirrors: string[] = [];
  let contactSource = true;
  for (const rule of rules) {
    let suffix = '';
    if (!sameRepository(repository, rule.source)) {
      if (!isSubrepo(repository, rule.source)) continue;
      suffix = repository.slice(rule.source.length);
    }
    contactSource = sourcePolicy(rules, rule.source);
    for (const m of rule.mirrors) if (!mirrors.includes(m + suffix)) mirrors.push(m + suffix);
  }
  return { mirrors, contactSource: contactSource || mirrors.length === 0 };
}

function sourcePolicy(rules: readonly DigestMirrorRule[], source: string): boolean {
  const policies = new Set(rules.filter((r) => r.source === source).map((r) => r.mirrorSourcePolicy));
  if (policies.size > 1) {
    const files = [...new Set(rules.filter((r) => r.source === source).map((r) => r.file))].join(', ');
    throw new OkdError('invalid-input', `${files}: source ${source} has both AllowContactingSource and NeverContactSource`, 'an ImageDigestMirrorSet can only contain one mirrorSourcePolicy for a source');
  }
  return !policies.has('NeverContactSource');
}
