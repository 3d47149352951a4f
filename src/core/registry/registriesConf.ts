import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OkdError } from '../errors';
import { type TomlTable, type TomlValue, TomlError, parseToml } from './toml';

/**
 * registries.conf as containers/image reads it (containers-registries.conf(5), containers-registries.conf.d(5),
 * pkg/sysregistriesv2): which files, in which order, how [[registry]] tables merge, and how a reference finds its
 * registry (longest prefix, `*.example.com` wildcards) and its pull sources (mirrors, then the registry).
 */
export type PullFromMirror = '' | 'all' | 'digest-only' | 'tag-only';

export interface RegistryEndpoint {
  /** host[:port][/namespace]; empty only for a wildcard prefix (the reference is then used as written). */
  location: string;
  insecure: boolean;
}

export interface MirrorEndpoint extends RegistryEndpoint {
  pullFromMirror: PullFromMirror;
}

export interface RegistryEntry extends RegistryEndpoint {
  prefix: string;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: MirrorEndpoint[];
}

export interface RegistriesConfig {
  registries: RegistryEntry[];
  /** The files read, in order (for messages). */
  files: string[];
  /** Where the configuration comes from, as containers/image names it in errors: the file, then the drop-in folders. */
  sources: string;
}

export interface RegistriesConfPaths {
  /** An explicit file (`--registries-conf`, CONTAINERS_REGISTRIES_CONF): it must exist. */
  file?: string;
  /** Default /etc/containers/registries.conf. */
  systemFile?: string;
  /** Default /etc/containers/registries.conf.d. */
  systemDir?: string;
  /** Default $HOME/.config/containers (registries.conf and registries.conf.d in it). */
  userDir?: string;
}

export const systemRegistriesConf = '/etc/containers/registries.conf';
export const systemRegistriesConfDir = '/etc/containers/registries.conf.d';

export interface ConfigFiles {
  /** The main file, and whether a missing one is an error (an explicitly chosen file). */
  main: string;
  mainRequired: boolean;
  dirs: string[];
}

/**
 * The files containers/image reads (newConfigWrapperWithHomeDir): an explicit file, else the user's
 * ~/.config/containers/registries.conf when it exists (it replaces the system file, and then only the user's drop-in
 * folder is read), else the system file; drop-ins from the system folder then the user's.
 */
export function registriesConfFiles(paths: RegistriesConfPaths = {}, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): ConfigFiles {
  const userDir = paths.userDir ?? path.join(env.HOME || home, '.config', 'containers');
  const userFile = path.join(userDir, 'registries.conf');
  const userDropIns = path.join(userDir, 'registries.conf.d');
  const systemDir = paths.systemDir ?? systemRegistriesConfDir;
  const explicit = paths.file || env.CONTAINERS_REGISTRIES_CONF || undefined;
  if (explicit) return { main: explicit, mainRequired: true, dirs: [systemDir, userDropIns] };
  if (isFile(userFile)) return { main: userFile, mainRequired: false, dirs: [userDropIns] };
  return { main: paths.systemFile ?? systemRegistriesConf, mainRequired: false, dirs: [systemDir, userDropIns] };
}

function isFile(file: string): boolean {
  try {
    fs.statSync(file);
    return true;
  } catch {
    return false;
  }
}

function configError(file: string, message: string): OkdError {
  return new OkdError('invalid-input', `registries configuration ${file}: ${message}`, 'fix the file (see containers-registries.conf(5)), or point CONTAINERS_REGISTRIES_CONF at another one');
}

/** Reads and merges the files; a missing default file or folder is an empty configuration, as in containers/image. */
export function loadRegistriesConf(files: ConfigFiles): RegistriesConfig {
  const read: string[] = [];
  let registries: RegistryEntry[] = [];
  const main = readConfigFile(files.main, files.mainRequired, false);
  if (main) {
    registries = main;
    read.push(files.main);
  }
  for (const dir of files.dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => !d.isDirectory() && d.name.endsWith('.conf')).map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw configError(dir, `cannot be read: ${(err as Error).message}`);
    }
    // filepath.WalkDir visits entries in lexical order.
    for (const name of names.sort()) {
      const file = path.join(dir, name);
      const dropIn = readConfigFile(file, false, true);
      if (!dropIn) continue;
      read.push(file);
      registries = mergeRegistries(registries, dropIn);
    }
  }
  const sources = [files.main, ...files.dirs].join(', ');
  return { registries, files: read, sources };
}

/** A drop-in's [[registry]] replaces an earlier one with the same prefix; the result is sorted by prefix. */
export function mergeRegistries(base: RegistryEntry[], updates: RegistryEntry[]): RegistryEntry[] {
  const byPrefix = new Map<string, RegistryEntry>();
  for (const r of base) byPrefix.set(r.prefix, r);
  for (const r of updates) byPrefix.set(r.prefix, r);
  return [...byPrefix.keys()].sort(compareStrings).map((k) => byPrefix.get(k) as RegistryEntry);
}

/** Go's sort.Strings: by UTF-8 bytes, not by locale. */
function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function readConfigFile(file: string, required: boolean, forceV2: boolean): RegistryEntry[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw configError(file, `cannot be read: ${(err as Error).message}`);
  }
  try {
    return parseRegistriesConf(text, { forceV2 });
  } catch (err) {
    if (err instanceof TomlError || err instanceof InvalidRegistries) throw configError(file, err.message);
    throw err;
  }
}

export class InvalidRegistries extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRegistries';
  }
}

const str = (v: TomlValue | undefined, what: string): string => {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new InvalidRegistries(`${what} must be a string`);
  return v;
};
const bool = (v: TomlValue | undefined, what: string): boolean => {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new InvalidRegistries(`${what} must be true or false`);
  return v;
};
const table = (v: TomlValue | undefined): TomlTable | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v : undefined);
const strings = (v: TomlValue | undefined, what: string): string[] | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new InvalidRegistries(`${what} must be a list of strings`);
  return v as string[];
};

/** parseLocation: trailing slashes dropped; a URI scheme is refused. */
function parseLocation(input: string): string {
  const trimmed = input.replace(/\/+$/, '');
  if (trimmed.startsWith('http://') || trimmed.startsWith('https://')) {
    throw new InvalidRegistries(`invalid location '${input}': URI schemes are not supported`);
  }
  return trimmed;
}

/** One file's [[registry]] tables, validated as postProcessRegistries does (v1 tables converted). */
export function parseRegistriesConf(text: string, options: { forceV2?: boolean } = {}): RegistryEntry[] {
  const doc = parseToml(text);
  const v1 = table(doc.registries);
  const v1Lists = v1 ? (['search', 'insecure', 'block'] as const).map((k) => strings(table(v1[k])?.registries, `registries.${k}.registries`)) : [];
  // A list set, even empty, makes the file v1 (hasSetField); an empty [registries] table does not.
  const v1Set = v1Lists.some((l) => l !== undefined);
  let raw: RegistryEntry[];
  if (v1Set) {
    if (options.forceV2) throw new InvalidRegistries('registry must be in v2 format but is in v1');
    const v2Set = ['registry', 'unqualified-search-registries', 'credential-helpers', 'short-name-mode', 'aliases', 'additional-layer-store-auth-helper'].some((k) => doc[k] !== undefined);
    if (v2Set) throw new InvalidRegistries('mixing sysregistry v1/v2 is not supported');
    raw = convertV1(v1Lists[1] ?? [], v1Lists[2] ?? []);
  } else {
    const tables = doc.registry;
    if (tables !== undefined && !Array.isArray(tables)) throw new InvalidRegistries('registry must be an array of tables ([[registry]])');
    raw = (tables ?? []).map((t, i) => registryFromTable(table(t), i));
  }
  return postProcess(raw);
}

function registryFromTable(t: TomlTable | undefined, index: number): RegistryEntry {
  if (!t) throw new InvalidRegistries(`[[registry]] number ${index + 1} is not a table`);
  if (t['pull-from-mirror'] !== undefined) {
    throw new InvalidRegistries(`pull-from-mirror must not be set for a non-mirror registry "${str(t.prefix, 'prefix') || str(t.location, 'location')}"`);
  }
  const mirrors = t.mirror;
  if (mirrors !== undefined && !Array.isArray(mirrors)) throw new InvalidRegistries('mirror must be an array of tables ([[registry.mirror]])');
  return {
    prefix: str(t.prefix, 'prefix'),
    location: str(t.location, 'location'),
    insecure: bool(t.insecure, 'insecure'),
    blocked: bool(t.blocked, 'blocked'),
    mirrorByDigestOnly: bool(t['mirror-by-digest-only'], 'mirror-by-digest-only'),
    mirrors: (mirrors ?? []).map((m) => {
      const mt = table(m);
      if (!mt) throw new InvalidRegistries('a [[registry.mirror]] entry is not a table');
      return {
        location: str(mt.location, 'mirror location'),
        insecure: bool(mt.insecure, 'mirror insecure'),
        pullFromMirror: str(mt['pull-from-mirror'], 'pull-from-mirror') as PullFromMirror,
      };
    }),
  };
}

function convertV1(insecure: string[], block: string[]): RegistryEntry[] {
  const order: string[] = [];
  const byLocation = new Map<string, RegistryEntry>();
  const get = (loc: string): RegistryEntry => {
    const location = parseLocation(loc);
    let reg = byLocation.get(location);
    if (!reg) {
      reg = { prefix: location, location, insecure: false, blocked: false, mirrorByDigestOnly: false, mirrors: [] };
      byLocation.set(location, reg);
      order.push(location);
    }
    return reg;
  };
  for (const b of block) get(b).blocked = true;
  for (const i of insecure) get(i).insecure = true;
  return order.map((l) => byLocation.get(l) as RegistryEntry);
}

function postProcess(registries: RegistryEntry[]): RegistryEntry[] {
  const byKey = new Map<string, RegistryEntry[]>();
  for (const reg of registries) {
    reg.location = parseLocation(reg.location);
    if (reg.prefix === '') {
      if (reg.location === '') throw new InvalidRegistries('invalid condition: both location and prefix are unset');
      reg.prefix = reg.location;
    } else {
      reg.prefix = parseLocation(reg.prefix);
      if (!reg.prefix.startsWith('*.') && reg.location === '') {
        throw new InvalidRegistries('invalid condition: location is unset and prefix is not in the format: *.example.com');
      }
    }
    for (const mir of reg.mirrors) {
      mir.location = parseLocation(mir.location);
      if (mir.location === '') throw new InvalidRegistries('invalid condition: mirror location is unset');
      if (reg.mirrorByDigestOnly && mir.pullFromMirror !== '') {
        throw new InvalidRegistries(
          `cannot set mirror usage mirror-by-digest-only for the registry ("${reg.prefix}") and pull-from-mirror for per-mirror ("${mir.location}") at the same time`,
        );
      }
      if (!['', 'all', 'digest-only', 'tag-only'].includes(mir.pullFromMirror)) {
        throw new InvalidRegistries(`unsupported pull-from-mirror value "${mir.pullFromMirror}" for mirror "${mir.location}"`);
      }
    }
    const key = reg.location === '' ? reg.prefix : reg.location;
    byKey.set(key, [...(byKey.get(key) ?? []), reg]);
  }
  for (const reg of registries) {
    for (const other of byKey.get(reg.location === '' ? reg.prefix : reg.location) ?? []) {
      if (reg.insecure !== other.insecure) throw new InvalidRegistries(`registry '${reg.location}' is defined multiple times with conflicting 'insecure' setting`);
      if (reg.blocked !== other.blocked) throw new InvalidRegistries(`registry '${reg.location}' is defined multiple times with conflicting 'blocked' setting`);
    }
  }
  // The first of several tables with one prefix wins; the list is kept sorted by prefix.
  const unique = new Map<string, RegistryEntry>();
  for (const reg of registries) if (!unique.has(reg.prefix)) unique.set(reg.prefix, reg);
  for (const prefix of unique.keys()) {
    if (prefix.startsWith('*.') && /[/@:]/.test(prefix)) {
      throw new InvalidRegistries(`Wildcarded prefix should be in the format: *.example.com. Current prefix "${prefix}" is incorrectly formatted`);
    }
  }
  return [...unique.keys()].sort(compareStrings).map((k) => unique.get(k) as RegistryEntry);
}

/**
 * The length of `prefix`'s match in `ref` (a registry, repository or reference, starting with its host), or -1.
 * As containers/image: `example.com` also matches `example.com:5000/...` (its own comment says not to rely on it).
 */
export function refMatchingPrefix(ref: string, prefix: string): number {
  if (prefix.startsWith('*.')) {
    const suffix = prefix.slice(1);
    let index = ref.indexOf(suffix);
    if (index === -1 || ref.slice(0, index).includes('/')) return -1;
    index += suffix.length;
    if (index === ref.length) return index;
    return ':/@'.includes(ref.charAt(index)) ? index : -1;
  }
  if (ref.length < prefix.length) return -1;
  if (ref.length === prefix.length) return ref === prefix ? prefix.length : -1;
  if (!ref.startsWith(prefix)) return -1;
  return ':/@'.includes(ref.charAt(prefix.length)) ? prefix.length : -1;
}

/** The [[registry]] with the longest matching prefix (the first of equal lengths, in the sorted list). */
export function findRegistry(config: Pick<RegistriesConfig, 'registries'>, ref: string): RegistryEntry | undefined {
  let found: RegistryEntry | undefined;
  let length = 0;
  for (const r of config.registries) {
    if (refMatchingPrefix(ref, r.prefix) !== -1 && r.prefix.length > length) {
      found = r;
      length = r.prefix.length;
    }
  }
  return found;
}

export interface PullSource {
  /** `host[:port]/repository` after rewriting. */
  name: string;
  insecure: boolean;
  mirror: boolean;
}

/** PullSourcesFromReference: the mirrors that apply to this kind of reference, then the registry itself. */
export function pullSources(reg: RegistryEntry, name: string, byDigest: boolean): PullSource[] {
  const endpoints: { ep: RegistryEndpoint; mirror: boolean }[] = [];
  if (reg.mirrorByDigestOnly) {
    if (byDigest) endpoints.push(...reg.mirrors.map((ep) => ({ ep, mirror: true })));
  } else {
    for (const mirror of reg.mirrors) {
      if (mirror.pullFromMirror === 'digest-only' && !byDigest) continue;
      if (mirror.pullFromMirror === 'tag-only' && byDigest) continue;
      endpoints.push({ ep: mirror, mirror: true });
    }
  }
  endpoints.push({ ep: reg, mirror: false });
  return endpoints.map(({ ep, mirror }) => ({ name: rewriteReference(ep, name, reg.prefix), insecure: ep.insecure, mirror }));
}

function rewriteReference(ep: RegistryEndpoint, name: string, prefix: string): string {
  const length = refMatchingPrefix(name, prefix);
  if (length === -1) throw new InvalidRegistries(`invalid prefix '${prefix}' for reference '${name}'`);
  if (ep.location === '') return name;
  return ep.location + name.slice(length);
}
