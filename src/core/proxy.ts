import * as net from 'node:net';
import { domainToASCII } from 'node:url';
import { OkdError } from './errors';

/**
 * Which proxy a request goes through, by the rules of Go's golang.org/x/net/http/httpproxy (what oc, kubectl,
 * podman and skopeo follow): HTTPS_PROXY for https URLs and HTTP_PROXY for http ones (no fallback from one to the
 * other), each read upper case first, then lower case; NO_PROXY entries are `*`, an IP, a CIDR, `ip:port`, a
 * domain (`example.com` matches it and its subdomains, `.example.com` and `*.example.com` only subdomains), each
 * optionally with `:port`. `localhost` and loopback IPs are never proxied.
 */
export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
  /** Where each value came from, for messages (`HTTPS_PROXY`, `the http.proxy setting`). */
  httpProxySource?: string;
  httpsProxySource?: string;
}

export interface ProxyChoice {
  url: URL;
  /** Where it was configured, e.g. `HTTPS_PROXY`. */
  source: string;
}

/** Go's getEnvAny: the first of the names that is set and not empty. */
function envAny(env: NodeJS.ProcessEnv, ...names: string[]): { value?: string; source?: string } {
  for (const name of names) {
    const value = env[name];
    if (value) return { value, source: name };
  }
  return {};
}

export function proxySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const http = envAny(env, 'HTTP_PROXY', 'http_proxy');
  const https = envAny(env, 'HTTPS_PROXY', 'https_proxy');
  const no = envAny(env, 'NO_PROXY', 'no_proxy');
  return {
    ...(http.value ? { httpProxy: http.value, httpProxySource: http.source } : {}),
    ...(https.value ? { httpsProxy: https.value, httpsProxySource: https.source } : {}),
    ...(no.value ? { noProxy: no.value } : {}),
  };
}

/**
 * A proxy value as a URL. Like Go, a value without a scheme (`proxy:3128`) means http. Unlike Go, which then
 * silently connects directly, a value that is not a URL or names a proxy kind not supported here is an error.
 */
export function parseProxyUrl(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    if (!url.hostname) throw new Error('no host');
  } catch {
    throw new OkdError('invalid-input', `${source} "${redactProxyText(value)}" is not a proxy address`, `write it as http://host:port (with the user and password before the host if the proxy needs them)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OkdError('unsupported', `${source} names a ${url.protocol.replace(/:$/, '')} proxy (${describeProxy(url)}), which okd-dev does not support`, 'use an http:// or https:// proxy');
  }
  return url;
}

/** The proxy as shown to a person: scheme, user and host, never the password. */
export function describeProxy(url: URL): string {
  const user = url.username ? `${url.username}@` : '';
  return `${url.protocol}//${user}${url.host}`;
}

function redactProxyText(value: string): string {
  return value.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
}

/** `Proxy-Authorization` for a proxy URL with credentials (percent-decoded, as Go and curl do). */
export function proxyAuthorization(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

type Matcher = (host: string, port: string, ip: string | undefined) => boolean;

/** An IP without brackets or zone; IPv4-mapped IPv6 as IPv4 (Go's net.IP treats them as one). */
function normaliseIp(text: string): { ip: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1');
  const kind = net.isIP(bare);
  if (kind === 4) return { ip: bare, family: 'ipv4' };
  if (kind !== 6) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return { ip: mapped[1] as string, family: 'ipv4' };
  // The URL parser writes a mapped address in hex (`[::ffff:7f00:1]`).
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (hex) {
    const [high, low] = [parseInt(hex[1] as string, 16), parseInt(hex[2] as string, 16)];
    return { ip: [high >> 8, high & 255, low >> 8, low & 255].join('.'), family: 'ipv4' };
  }
  return { ip: bare, family: 'ipv6' };
}

function isLoopback(ip: { ip: string; family: 'ipv4' | 'ipv6' }): boolean {
  if (ip.family === 'ipv4') return ip.ip.startsWith('127.');
  const list = new net.BlockList();
  list.addAddress('::1', 'ipv6');
  return list.check(ip.ip, 'ipv6');
}

function splitHostPort(entry: string): { host: string; port: string } | undefined {
  const bracketed = /^\[([^\]]*)\]:(\d*)$/.exec(entry);
  if (bracketed) return { host: bracketed[1] as string, port: bracketed[2] as string };
  const colon = entry.lastIndexOf(':');
  if (colon < 0 || entry.indexOf(':') !== colon) return undefined; // no port, or a bare IPv6 address
  return { host: entry.slice(0, colon), port: entry.slice(colon + 1) };
}

function parseNoProxy(value: string): Matcher[] {
  const matchers: Matcher[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return [() => true];
    const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
      const ip = normaliseIp(cidr[1] as string);
      const bits = Number(cidr[2]);
      if (ip && bits <= (ip.family === 'ipv4' ? 32 : 128)) {
        const list = new net.BlockList();
        list.addSubnet(ip.ip, bits, ip.family);
        matchers.push((_host, _port, target) => {
          const t = target ? normaliseIp(target) : undefined;
          return !!t && t.family === ip.family && list.check(t.ip, t.family);
        });
        continue;
      }
    }
    const split = splitHostPort(entry);
    let host = split ? split.host : entry;
    const port = split ? split.port : '';
    if (split && !host) continue; // `:80`: malformed, ignored as Go does
    const ip = normaliseIp(host);
    if (ip) {
      const list = new net.BlockList();
      list.addAddress(ip.ip, ip.family);
      matchers.push((_host, targetPort, target) => {
        const t = target ? normaliseIp(target) : undefined;
        return !!t && t.family === ip.family && list.check(t.ip, t.family) && (port === '' || port === targetPort);
      });
      continue;
    }
    if (host.startsWith('*.')) host = host.slice(1);
    const matchHost = !host.startsWith('.');
    if (matchHost) host = `.${host}`;
    const ascii = domainToASCII(host.slice(1));
    const suffix = ascii ? `.${ascii}` : host;
    matchers.push((target, targetPort) => (target.endsWith(suffix) || (matchHost && target === suffix.slice(1))) && (port === '' || port === targetPort));
  }
  return matchers;
}

const defaultPorts: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** Picks the proxy for each request URL from one set of settings; parsed once. */
export class ProxyResolver {
  private readonly noProxy: Matcher[];

  constructor(private readonly settings: ProxySettings) {
    this.noProxy = parseNoProxy(settings.noProxy ?? '');
  }

  /** Whether a request to `target` goes direct by NO_PROXY and the loopback rule (whatever proxy is set). */
  bypasses(target: URL): boolean {
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    const port = target.port || defaultPorts[target.protocol] || '';
    if (host === 'localhost') return true;
    const ip = normaliseIp(host);
    if (ip && isLoopback(ip)) return true;
    return this.noProxy.some((match) => match(host, port, ip ? host : undefined));
  }

  /** The proxy for `target`, or undefined to connect directly. Throws for a proxy value that cannot be used. */
  proxyFor(target: URL): ProxyChoice | undefined {
    const https = target.protocol === 'https:';
    const value = https ? this.settings.httpsProxy : target.protocol === 'http:' ? this.settings.httpProxy : undefined;
    if (!value || this.bypasses(target)) return undefined;
    const source = (https ? this.settings.httpsProxySource : this.settings.httpProxySource) ?? (https ? 'HTTPS_PROXY' : 'HTTP_PROXY');
    return { url: parseProxyUrl(value, source), source };
  }
}
