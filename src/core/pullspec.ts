import { OkdError } from './errors';

/**
 * An image reference as the containers tools understand it (distribution/reference grammar, containers/image
 * normalisation). `registry` is normalised (`docker.io` for Docker Hub), `repository` has `library/` for official
 * Docker Hub images. A pullspec may carry a tag, a digest, both, or neither.
 */
export interface Pullspec {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const MAX_NAME_LENGTH = 255;
const MAX_TAG_LENGTH = 128;

const TAG_RE = /^[\w][\w.-]{0,127}$/;
// distribution/reference's separator is `[-]*` in old releases; `-+` is the same language without the
// ambiguity that made this regex backtrack exponentially on long words (a hover on arbitrary text runs it).
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT_RE = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST_RE = /^\[[a-fA-F0-9:]+\]$/;
const PORT_RE = /^[0-9]+$/;
const DIGEST_ALGORITHM_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*$/;
const DIGEST_ENCODED_RE = /^[a-zA-Z0-9=_-]+$/;
const SCHEME_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
/** Algorithms go-digest registers, and the length of their hex encoding. */
const DIGEST_HEX_LENGTHS: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

function invalid(text: string, reason: string, hint?: string): OkdError {
  return new OkdError('invalid-input', `invalid pullspec "${text}": ${reason}`, hint);
}

/**
 * Parses an image pullspec (`quay.io/okd/scos-release:4.19.0-okd-scos.0`, `busybox`, `localhost:5000/x@sha256:...`).
 * Throws OkdError('invalid-input') naming the exact problem.
 */
export function parsePullspec(text: string): Pullspec {
  if (text.length === 0) throw new OkdError('invalid-input', 'invalid pullspec "": it is empty', 'give an image pullspec such as quay.io/okd/scos-release:4.19.0-okd-scos.0');
  if (/\s/.test(text)) {
    const trimmed = text.trim();
    if (trimmed.length === 0) throw invalid(text, 'it is only whitespace', 'give an image pullspec such as quay.io/okd/scos-release:4.19.0-okd-scos.0');
    throw invalid(text, 'it contains whitespace', trimmed !== text && !/\s/.test(trimmed) ? `remove the surrounding whitespace: ${trimmed}` : 'remove the spaces');
  }
  const scheme = SCHEME_RE.exec(text);
  if (scheme) {
    throw invalid(text, `a pullspec has no URL scheme (${scheme[1]}://)`, `remove the scheme: ${text.slice(scheme[0].length)}`);
  }

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    if (rest.indexOf('@', at + 1) >= 0) throw invalid(text, "it contains more than one '@'");
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (digest.length === 0) throw invalid(text, "it ends with '@' but has no digest", "add the digest after '@' (sha256:<64 hex>) or remove the '@'");
    validateDigest(text, digest);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && colon > rest.lastIndexOf('/') && !rest.slice(colon).endsWith(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag.length === 0) {
      throw invalid(text, digest ? "it has ':' before '@' but no tag" : "it ends with ':' but has no tag", "add the tag after ':' or remove the ':'");
    }
    validateTag(text, tag);
  }

  const name = rest;
  if (name.length === 0) throw invalid(text, 'it has no repository name', 'write the repository before the tag or digest, e.g. quay.io/okd/scos-release');
  if (name.length > MAX_NAME_LENGTH) {
    throw invalid(text, `the repository name is ${name.length} characters long, the limit is ${MAX_NAME_LENGTH}`);
  }
  if (name.startsWith('/')) throw invalid(text, "it starts with '/'", 'remove the leading slash');
  if (name.includes('//')) throw invalid(text, "it contains '//' (an empty path component)", "use a single '/' between components");

  const slash = name.indexOf('/');
  const first = slash < 0 ? name : name.slice(0, slash);
  const firstIsRegistry =
    slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[') || first !== first.toLowerCase());

  let registry: string;
  let repository: string;
  if (firstIsRegistry) {
    registry = first;
    repository = name.slice(slash + 1);
    validateRegistry(text, registry);
    if (repository.length === 0) {
      throw invalid(text, `it names the registry ${registry} but no repository`, `add the repository, e.g. ${registry}/<namespace>/<name>`);
    }
  } else {
    registry = DOCKER_HUB;
    repository = name;
  }
  if (repository.endsWith('/')) {
    throw invalid(text, `it names the registry ${registry} but no repository`, `add the repository, e.g. ${registry}/<namespace>/<name>`);
  }
  validateRepository(text, repository);

  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

  const result: Pullspec = { registry, repository };
  if (tag !== undefined) result.tag = tag;
  if (digest !== undefined) result.digest = digest;
  return result;
}

/** Like parsePullspec, but returns undefined instead of throwing. */
export function tryParsePullspec(text: string): Pullspec | undefined {
  try {
    return parsePullspec(text);
  } catch {
    return undefined;
  }
}

function validateDigest(text: string, digest: string): void {
  const sep = digest.indexOf(':');
  if (sep <= 0 || sep === digest.length - 1) {
    throw invalid(text, `digest "${digest}" is not of the form algorithm:hex`, 'a digest looks like sha256:<64 lowercase hex characters>');
  }
  const algorithm = digest.slice(0, sep);
  const encoded = digest.slice(sep + 1);
  if (!DIGEST_ALGORITHM_RE.test(algorithm) || !DIGEST_ENCODED_RE.test(encoded)) {
    throw invalid(text, `digest "${digest}" is not of the form algorithm:hex`, 'a digest looks like sha256:<64 lowercase hex characters>');
  }
  const length = DIGEST_HEX_LENGTHS[algorithm];
  if (length === undefined) {
    throw invalid(text, `digest algorithm "${algorithm}" is not supported`, 'use sha256 (or sha384, sha512)');
  }
  if (!/^[0-9a-fA-F]+$/.test(encoded)) {
    throw invalid(text, `${algorithm} digest contains characters that are not hexadecimal`);
  }
  if (encoded.length !== length) {
    throw invalid(text, `${algorithm} digest must be ${length} hex characters, got ${encoded.length}`, 'copy the whole digest');
  }
  if (encoded !== encoded.toLowerCase()) {
    throw invalid(text, `${algorithm} digest must be lowercase hex`, `use ${algorithm}:${encoded.toLowerCase()}`);
  }
}

function validateTag(text: string, tag: string): void {
  if (tag.length > MAX_TAG_LENGTH) {
    throw invalid(text, `tag is ${tag.length} characters long, the limit is ${MAX_TAG_LENGTH}`);
  }
  if (!TAG_RE.test(tag)) {
    const bad = /^[.-]/.test(tag) ? `tag "${tag}" must start with a letter, digit or '_'` : `tag "${tag}" contains "${firstBadTagChar(tag)}"`;
    throw invalid(text, bad, "a tag uses letters, digits, '_', '.' and '-' only");
  }
}

function firstBadTagChar(tag: string): string {
  for (const ch of tag) if (!/[\w.-]/.test(ch)) return ch;
  return tag[0] ?? '';
}

function validateRegistry(text: string, registry: string): void {
  let host = registry;
  let port: string | undefined;
  if (registry.startsWith('[')) {
    const close = registry.indexOf(']');
    if (close < 0) throw invalid(text, `registry "${registry}" has an unclosed '['`);
    host = registry.slice(0, close + 1);
    const after = registry.slice(close + 1);
    if (after.length > 0) {
      if (!after.startsWith(':')) throw invalid(text, `registry "${registry}" is not a valid host[:port]`);
      port = after.slice(1);
    }
    if (!IPV6_HOST_RE.test(host)) throw invalid(text, `registry "${registry}" is not a valid IPv6 address`);
  } else {
    const c = registry.indexOf(':');
    if (c >= 0) {
      host = registry.slice(0, c);
      port = registry.slice(c + 1);
    }
    if (host.length === 0 || !host.split('.').every((part) => DOMAIN_COMPONENT_RE.test(part))) {
      throw invalid(text, `registry "${registry}" is not a valid host name`);
    }
  }
  if (port !== undefined && !PORT_RE.test(port)) {
    throw invalid(text, `registry port "${port}" is not a number`, 'write the registry as host:port, e.g. localhost:5000');
  }
}

function validateRepository(text: string, repository: string): void {
  if (repository !== repository.toLowerCase() && repository.toLowerCase().split('/').every((c) => PATH_COMPONENT_RE.test(c))) {
    throw invalid(text, `repository "${repository}" contains uppercase letters`, `repository names are lowercase: ${repository.toLowerCase()}`);
  }
  for (const component of repository.split('/')) {
    if (!PATH_COMPONENT_RE.test(component)) {
      throw invalid(
        text,
        `repository component "${component}" is invalid`,
        "use lowercase letters and digits, separated by '.', '_', '__' or '-' (not at the start or end)",
      );
    }
  }
}

/** Canonical full form: docker.io/library/busybox:latest, quay.io/okd/scos-content@sha256:... */
export function formatPullspec(p: Pullspec): string {
  let out = `${p.registry}/${p.repository}`;
  if (p.tag) out += `:${p.tag}`;
  if (p.digest) out += `@${p.digest}`;
  return out;
}

/** Short form as docker prints it: drops `docker.io/` and `library/`. */
export function familiarPullspec(p: Pullspec): string {
  let name = `${p.registry}/${p.repository}`;
  if (p.registry === DOCKER_HUB) {
    name = p.repository.startsWith('library/') && p.repository.indexOf('/', 8) < 0 ? p.repository.slice(8) : p.repository;
  }
  if (p.tag) name += `:${p.tag}`;
  if (p.digest) name += `@${p.digest}`;
  return name;
}

/** `registry/repository@digest`: the by-digest pullspec of an image in this repository. */
export function digestPullspec(p: Pick<Pullspec, 'registry' | 'repository'>, digest: string): string {
  return `${p.registry}/${p.repository}@${digest}`;
}

/** `registry/repository`, for grouping and comparing repositories. */
export function repositoryKey(p: Pick<Pullspec, 'registry' | 'repository'>): string {
  return `${p.registry}/${p.repository}`;
}

/** A key equal for pullspecs that name the same reference (after normalisation). */
export function pullspecKey(p: Pullspec): string {
  return formatPullspec(p);
}

export function sameRepository(a: Pick<Pullspec, 'registry' | 'repository'>, b: Pick<Pullspec, 'registry' | 'repository'>): boolean {
  return a.registry === b.registry && a.repository === b.repository;
}

/** True when `text` is a valid `algorithm:hex` digest (sha256, sha384, sha512). */
export function isDigest(text: string): boolean {
  const sep = text.indexOf(':');
  if (sep <= 0) return false;
  const length = DIGEST_HEX_LENGTHS[text.slice(0, sep)];
  const encoded = text.slice(sep + 1);
  return length !== undefined && encoded.length === length && /^[0-9a-f]+$/.test(encoded);
}
