import { type Pullspec, tryParsePullspec } from '../pullspec';

/** A pullspec found in a line of text: `text` is `line.slice(start, end)`. */
export interface DetectedPullspec {
  pullspec: Pullspec;
  text: string;
  start: number;
  end: number;
}

/**
 * Registries whose `host/path` is taken as a pullspec even without a tag or digest. Any other host needs a tag or a
 * digest, so Go import paths (`k8s.io/api/core/v1`) and bare web addresses stay quiet.
 */
export const KNOWN_REGISTRIES: ReadonlySet<string> = new Set([
  'quay.io',
  'registry.ci.openshift.org',
  'docker.io',
  'index.docker.io',
  'gcr.io',
  'ghcr.io',
  'registry.k8s.io',
  'registry.redhat.io',
  'registry.access.redhat.com',
  'registry.svc.ci.openshift.org',
]);

/** Code hosts whose paths look like pullspecs but never are. */
const NEVER_REGISTRIES: ReadonlySet<string> = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'golang.org', 'go.googlesource.com']);

/** Characters a pullspec is made of (IPv6 registries are left out: `[`/`]` clash with Markdown and arrays). */
const PULLSPEC_CHAR = /[A-Za-z0-9._\-/:@]/;
const MAX_CANDIDATE = 1024;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const TLD = /^[a-z]{2,63}$/i;
/** Transport prefixes of skopeo/buildah/podman that name a registry image; every other `scheme://` is a URL. */
const TRANSPORT_PREFIX = 'docker://';

function isPullspecChar(ch: string | undefined): boolean {
  return ch !== undefined && PULLSPEC_CHAR.test(ch);
}

/**
 * The pullspec under `character` (0-based, the character the pointer is on) in `line`, or undefined. Precise on
 * purpose: it needs a registry host (with a dot, a port, `localhost` or an IP) or a digest, and a registry host
 * with neither tag nor digest only counts when it is a known registry or a local one. URLs, file paths, e-mail
 * addresses, `key: value` pairs and Go import paths are not pullspecs.
 */
export function detectPullspec(line: string, character: number): DetectedPullspec | undefined {
  if (!isPullspecChar(line[character])) return undefined;
  let start = character;
  let end = character + 1;
  while (start > 0 && isPullspecChar(line[start - 1]) && character - start < MAX_CANDIDATE) start--;
  while (end < line.length && isPullspecChar(line[end]) && end - character < MAX_CANDIDATE) end++;
  const found = candidate(line, start, end);
  return found && character >= found.start && character < found.end ? found : undefined;
}

/** Every pullspec in `line`, left to right (for tests, and for features that list them). */
export function findPullspecs(line: string): DetectedPullspec[] {
  const out: DetectedPullspec[] = [];
  let i = 0;
  while (i < line.length) {
    if (!isPullspecChar(line[i])) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < line.length && isPullspecChar(line[end])) end++;
    const found = candidate(line, i, end);
    if (found) out.push(found);
    i = end;
  }
  return out;
}

/** Judges the maximal run of pullspec characters `line[start, end)`. */
function candidate(line: string, start: number, end: number): DetectedPullspec | undefined {
  if (end - start > MAX_CANDIDATE) return undefined;
  let text = line.slice(start, end);
  // A scheme makes it a URL (https://quay.io/repository/...), except the docker:// transport of skopeo.
  const scheme = text.indexOf('://');
  if (scheme >= 0) {
    if (scheme === 0 || !text.startsWith(TRANSPORT_PREFIX) || text.indexOf('://', TRANSPORT_PREFIX.length) >= 0) return undefined;
    start += TRANSPORT_PREFIX.length;
    text = text.slice(TRANSPORT_PREFIX.length);
  }
  // Sentence punctuation after a pullspec ("pull quay.io/x/y:1.0."), never part of a real tag in practice.
  while (/[.:]$/.test(text)) text = text.slice(0, -1);
  end = start + text.length;
  if (text.length === 0 || text.startsWith('/') || text.startsWith('.') || text.startsWith('@') || text.startsWith(':')) return undefined;
  const pullspec = tryParsePullspec(text);
  if (!pullspec) return undefined;
  if (!plausible(text, pullspec)) return undefined;
  return { pullspec, text, start, end };
}

function plausible(text: string, pullspec: Pullspec): boolean {
  const slash = text.indexOf('/');
  const at = text.indexOf('@');
  // The registry must be written out: docker.io short forms (`busybox:1.36`, `apps/v1`) only with a digest.
  const writtenRegistry = slash >= 0 && (at < 0 || slash < at) ? text.slice(0, slash) : undefined;
  if (!writtenRegistry || !looksLikeRegistry(writtenRegistry)) return pullspec.digest !== undefined && !writtenRegistry?.includes('.');
  const host = hostOf(writtenRegistry).toLowerCase();
  if (NEVER_REGISTRIES.has(host)) return false;
  if (pullspec.tag !== undefined || pullspec.digest !== undefined) return true;
  return KNOWN_REGISTRIES.has(host) || isLocal(writtenRegistry);
}

/** `quay.io`, `registry.ci.openshift.org`, `localhost`, `127.0.0.1:5000`, `host:443`; not `v4.10` or `main.go`. */
function looksLikeRegistry(registry: string): boolean {
  if (registry === 'localhost' || registry.startsWith('localhost:')) return true;
  const host = hostOf(registry);
  const port = registry.length > host.length ? registry.slice(host.length + 1) : undefined;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return false;
  if (IPV4.test(host)) return true;
  if (!host.includes('.')) return false;
  const tld = host.slice(host.lastIndexOf('.') + 1);
  return TLD.test(tld);
}

function isLocal(registry: string): boolean {
  const host = hostOf(registry);
  return host === 'localhost' || IPV4.test(host) || registry.length > host.length;
}

function hostOf(registry: string): string {
  const colon = registry.indexOf(':');
  return colon < 0 ? registry : registry.slice(0, colon);
}
