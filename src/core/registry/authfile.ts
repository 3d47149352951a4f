import * as os from 'node:os';
import * as path from 'node:path';
import { OkdError } from '../errors';
import { jsonErrorPosition } from './credentials-json';

export interface AuthFileOptions {
  /** `--registry-config` / `-a`: must exist when given. */
  authFile?: string;
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  /** For tests: the user id (`/run/containers/<uid>/auth.json`; root also reads `/etc/containers/auth.json`). */
  uid?: number;
  /** For tests: the OS, as `process.platform` names it. */
  platform?: NodeJS.Platform;
}

export interface AuthFileCandidate {
  path: string;
  /** The file the user named: the only one read, and one that must exist. */
  explicit: boolean;
  /** `~/.dockercfg`: the top level is the map of entries (no `auths`), and its keys name hosts only. */
  legacy: boolean;
  /** `/etc/containers/auth.json` is skipped when group or others can read it. */
  userOnly: boolean;
  /** Where the path came from, for hints: `--registry-config`, `REGISTRY_AUTH_FILE`, `DOCKER_CONFIG`, ... */
  origin: string;
}

const file = (p: string, origin: string, more: Partial<AuthFileCandidate> = {}): AuthFileCandidate => ({
  path: p,
  explicit: false,
  legacy: false,
  userOnly: false,
  origin,
  ...more,
});

/**
 * The files searched, in containers/image's order (pkg/docker/config getAuthFilePaths). An explicit file
 * (`--registry-config`, else `REGISTRY_AUTH_FILE` as podman and skopeo take it) is the only one. Otherwise:
 * `$XDG_RUNTIME_DIR/containers/auth.json` (`/run/containers/<uid>/auth.json` without it),
 * `$XDG_CONFIG_HOME/containers/auth.json`, `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, `~/.dockercfg`,
 * and for root `/etc/containers/auth.json` (first when running as a systemd service, last otherwise).
 */
export function authFileCandidates(options: AuthFileOptions = {}): AuthFileCandidate[] {
  const env = options.env ?? process.env;
  if (options.authFile) return [file(options.authFile, '--registry-config', { explicit: true })];
  if (env.REGISTRY_AUTH_FILE) return [file(env.REGISTRY_AUTH_FILE, 'REGISTRY_AUTH_FILE', { explicit: true })];
  const home = options.homeDir ?? os.homedir();
  const uid = options.uid ?? process.getuid?.() ?? -1;
  const system = file('/etc/containers/auth.json', 'the system auth file', { userOnly: true });
  const systemd = uid === 0 && !!env.INVOCATION_ID;
  const out: AuthFileCandidate[] = systemd ? [system] : [];
  if ((options.platform ?? process.platform) !== 'linux') {
    out.push(file(path.join(home, '.config', 'containers', 'auth.json'), 'podman login'));
  } else if (env.XDG_RUNTIME_DIR) {
    out.push(file(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'), 'XDG_RUNTIME_DIR'));
  } else {
    out.push(file(`/run/containers/${uid}/auth.json`, 'podman login'));
  }
  out.push(file(path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'containers', 'auth.json'), 'XDG_CONFIG_HOME'));
  if (env.DOCKER_CONFIG) out.push(file(path.join(env.DOCKER_CONFIG, 'config.json'), 'DOCKER_CONFIG'));
  else out.push(file(path.join(home, '.docker', 'config.json'), 'docker login'));
  out.push(file(path.join(home, '.dockercfg'), 'the legacy Docker file', { legacy: true }));
  if (uid === 0 && !systemd) out.push(system);
  const seen = new Set<string>();
  return out.filter((c) => (seen.has(c.path) ? false : (seen.add(c.path), true)));
}

/** One usable entry: a user and password, or an identity token (an OAuth2 refresh token) with or without them. */
export interface AuthEntry {
  username: string;
  password: string;
  identityToken?: string;
}

export interface AuthFileContents {
  /** Usable entries by their key as written, in file order. */
  auths: Map<string, AuthEntry>;
  /** `credHelpers`: registry -> helper name (`docker-credential-<name>`). */
  credHelpers: Map<string, string>;
  /** `credsStore`: the helper for registries without an entry of their own (Docker's default store). */
  credsStore?: string;
  /** Entries skipped as malformed, each naming its key and what is wrong (never its value). */
  skipped: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Parses an auth file (containers-auth.json(5), Docker's config.json, or with `legacy` a `~/.dockercfg`). A file
 * that is not JSON or not shaped like one is an error naming it; one malformed entry is only skipped.
 */
export function parseAuthFile(text: string, fileName: string, legacy = false): AuthFileContents {
  const bad = (why: string) =>
    new OkdError('invalid-input', `auth file ${fileName} is malformed: ${why}`, 'fix or remove the file, or log in again with `podman login`');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text around the error, which in an auth file is a credential.
    throw bad(`not valid JSON (${jsonErrorPosition(text)})`);
  }
  if (!isObject(doc)) throw bad('the top level is not an object');
  const out: AuthFileContents = { auths: new Map(), credHelpers: new Map(), skipped: [] };
  const auths = legacy ? doc : doc.auths;
  if (auths !== undefined && auths !== null && !isObject(auths)) throw bad('"auths" is not an object');
  if (!legacy) {
    const helpers = doc.credHelpers;
    if (helpers !== undefined && helpers !== null) {
      if (!isObject(helpers) || Object.values(helpers).some((h) => typeof h !== 'string')) throw bad('"credHelpers" is not an object of helper names');
      for (const [registry, helper] of Object.entries(helpers)) if (helper) out.credHelpers.set(registry, helper as string);
    }
    if (doc.credsStore !== undefined && doc.credsStore !== null && typeof doc.credsStore !== 'string') throw bad('"credsStore" is not a helper name');
    if (doc.credsStore) out.credsStore = doc.credsStore as string;
  }
  for (const [key, value] of Object.entries(auths ?? {})) {
    const entry = parseEntry(value);
    if (typeof entry === 'string') out.skipped.push(`the entry for "${key}" ${entry}`);
    else if (entry) out.auths.set(key, entry);
  }
  return out;
}

/** An entry, undefined for one without credentials (Docker writes `{}` when a helper keeps them), or what is wrong. */
function parseEntry(value: unknown): AuthEntry | undefined | string {
  if (!isObject(value)) return 'is not an object';
  const { auth, username, password, identitytoken } = value;
  const identityToken = typeof identitytoken === 'string' && identitytoken ? identitytoken : undefined;
  const token = identityToken ? { identityToken } : {};
  if (auth !== undefined && auth !== null && typeof auth !== 'string') return 'has an "auth" that is not a string';
  if (auth) {
    const b64 = auth.replace(/[\r\n]/g, '');
    if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return 'has an "auth" that is not valid base64';
    const decoded = Buffer.from(b64, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return decoded ? 'has an "auth" without a colon (it must be base64 of user:password)' : identityToken ? { username: '', password: '', ...token } : undefined;
    // containers/image trims NULs some tools leave around the password.
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1).replace(/^\0+|\0+$/g, ''), ...token };
  }
  // Docker reads plain `username`/`password` fields too (containers/image does not).
  if (typeof username === 'string' && username && typeof password === 'string') return { username, password, ...token };
  return identityToken ? { username: '', password: '', ...token } : undefined;
}
