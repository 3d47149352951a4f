import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import { ProxyResolver, describeProxy, parseProxyUrl, proxyAuthorization, proxySettingsFromEnv } from '../../src/core/proxy';

// The cases of Go's golang.org/x/net/http/httpproxy tests (proxy_test.go), which oc, kubectl, podman and skopeo
// follow, plus the differences okd-dev chose (errors instead of a silent direct connection).
const proxied = (resolver: ProxyResolver, url: string) => resolver.proxyFor(new URL(url))?.url.href;

describe('proxy selection as Go\'s httpproxy does it', () => {
  it('reads HTTPS_PROXY/HTTP_PROXY/NO_PROXY upper case first, then lower case, ignoring empty values', () => {
    assert.deepEqual(proxySettingsFromEnv({ HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:1', http_proxy: 'http://lower:2', no_proxy: 'a.com', NO_PROXY: '' }), {
      httpsProxy: 'http://upper:1',
      httpsProxySource: 'HTTPS_PROXY',
      httpProxy: 'http://lower:2',
      httpProxySource: 'http_proxy',
      noProxy: 'a.com',
    });
    assert.deepEqual(proxySettingsFromEnv({}), {});
  });

  it('uses HTTPS_PROXY for https and HTTP_PROXY for http, with no fallback from one to the other', () => {
    const both = new ProxyResolver({ httpProxy: 'http.proxy.tld', httpsProxy: 'secure.proxy.tld' });
    assert.equal(proxied(both, 'http://insecure.tld/'), 'http://http.proxy.tld/');
    assert.equal(proxied(both, 'https://secure.tld/'), 'http://secure.proxy.tld/');
    assert.equal(proxied(new ProxyResolver({ httpProxy: 'http.proxy.tld', httpsProxy: 'https://secure.proxy.tld' }), 'https://secure.tld/'), 'https://secure.proxy.tld/');
    assert.equal(proxied(new ProxyResolver({ httpProxy: 'http.proxy.tld' }), 'https://secure.tld/'), undefined);
    assert.equal(proxied(new ProxyResolver({ httpsProxy: 'secure.proxy.tld' }), 'http://insecure.tld/'), undefined);
    assert.equal(proxied(new ProxyResolver({}), 'http://example.com/'), undefined);
  });

  it('takes a proxy without a scheme as http, as Go does', () => {
    for (const [value, want] of [
      ['127.0.0.1:8080', 'http://127.0.0.1:8080/'],
      ['cache.corp.example.com:1234', 'http://cache.corp.example.com:1234/'],
      ['cache.corp.example.com', 'http://cache.corp.example.com/'],
      ['localhost', 'http://localhost/'],
      ['https://127.0.0.1:8080', 'https://127.0.0.1:8080/'],
      ['http://user:p%40ss@proxy:3128', 'http://user:p%40ss@proxy:3128/'],
    ] as const) {
      assert.equal(parseProxyUrl(value, 'HTTPS_PROXY').href, want, value);
    }
  });

  it('refuses a proxy it cannot use instead of connecting directly (Go would ignore it silently)', () => {
    assert.throws(() => parseProxyUrl('socks5://127.0.0.1', 'ALL'), (err: unknown) => err instanceof OkdError && /socks5 proxy .* not support/.test(err.message));
    assert.throws(() => parseProxyUrl('http://user:secret@a b', 'HTTPS_PROXY'), (err: unknown) => err instanceof OkdError && /HTTPS_PROXY/.test(err.message) && !err.message.includes('secret'));
    assert.throws(() => new ProxyResolver({ httpsProxy: 'socks5://127.0.0.1' }).proxyFor(new URL('https://quay.io/')), OkdError);
  });

  // Go's TestUseProxy: each host at port 80, true = through the proxy.
  const noProxy =
    'foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64';
  const useProxy: [string, boolean][] = [
    ['localhost', false],
    ['127.0.0.1', false],
    ['127.0.0.2', false],
    ['[::1]', false],
    ['[::2]', true],
    ['192.168.1.1', false],
    ['192.168.1.2', true],
    ['192.168.1.3', false],
    ['192.168.1.4', true],
    ['10.0.0.2', false],
    ['[2001:db8::52:0:1]', false],
    ['[2001:db8::52:0:2]', true],
    ['[2001:db8::52:0:3]', false],
    ['[2002:db8:a::123]', false],
    ['[fe80::424b:c8be:1643:a1b6]', true],
    ['barbaz.net', true],
    ['www.barbaz.net', false],
    ['foobar.com', false],
    ['www.foobar.com', false],
    ['foofoobar.com', true],
    ['baz.com', true],
    ['localhost.net', true],
    ['local.localhost', true],
    ['barbarbaz.net', true],
    ['wildcard.io', true],
    ['nested.wildcard.io', false],
    ['awildcard.io', true],
  ];

  it('matches NO_PROXY entries: domains and their subdomains, .domain and *.domain, IPs, CIDRs, with ports', () => {
    const resolver = new ProxyResolver({ httpProxy: 'http://proxy:3128', noProxy });
    for (const [host, want] of useProxy) assert.equal(resolver.proxyFor(new URL(`http://${host}:80/`)) !== undefined, want, host);
  });

  it('proxies nothing with NO_PROXY=*, and never localhost or loopback IPs', () => {
    const all = new ProxyResolver({ httpProxy: 'http://proxy:3128', noProxy: '*' });
    for (const [host] of useProxy) assert.equal(all.proxyFor(new URL(`http://${host}:80/`)), undefined, host);
    const none = new ProxyResolver({ httpsProxy: 'http://proxy:3128' });
    for (const host of ['localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000', '[::ffff:127.0.0.1]']) assert.equal(none.proxyFor(new URL(`https://${host}/`)), undefined, host);
    // Only the literal name and IPs: a name that happens to resolve to loopback is proxied, as in Go.
    for (const host of ['localhost.localdomain', 'my.localhost', 'vm']) assert.ok(none.proxyFor(new URL(`https://${host}/`)), host);
  });

  it('compares ports with the scheme\'s default when the URL has none, and is case-insensitive', () => {
    const resolver = new ProxyResolver({ httpsProxy: 'http://proxy:3128', noProxy: 'Quay.IO:443, registry.example.com:5000' });
    assert.equal(resolver.proxyFor(new URL('https://quay.io/v2/')), undefined);
    assert.ok(resolver.proxyFor(new URL('https://quay.io:8443/v2/')));
    assert.equal(resolver.proxyFor(new URL('https://registry.example.com:5000/v2/')), undefined);
    assert.ok(resolver.proxyFor(new URL('https://registry.example.com/v2/')));
  });

  it('compares internationalised names in their ASCII form', () => {
    for (const entry of ['.示例.com', 'xn--fsq092h.com', '示例.com']) {
      const resolver = new ProxyResolver({ httpProxy: 'proxy', noProxy: entry });
      assert.equal(resolver.proxyFor(new URL('http://www.示例.com/')), undefined, entry);
      assert.equal(resolver.proxyFor(new URL('http://www.xn--fsq092h.com/')), undefined, entry);
    }
  });

  it('ignores malformed entries and keeps the rest', () => {
    const resolver = new ProxyResolver({ httpProxy: 'proxy', noProxy: ':1, ,, 10.0.0.0/99, example.org' });
    assert.ok(resolver.proxyFor(new URL('http://example.com/')));
    assert.equal(resolver.proxyFor(new URL('http://a.example.org/')), undefined);
  });

  it('matches a CIDR whose address has host bits set, and IPv4-mapped IPv6 targets', () => {
    const resolver = new ProxyResolver({ httpProxy: 'proxy', noProxy: '10.1.2.3/8' });
    assert.equal(resolver.proxyFor(new URL('http://10.200.0.1/')), undefined);
    assert.equal(resolver.proxyFor(new URL('http://[::ffff:10.200.0.1]/')), undefined);
    assert.ok(resolver.proxyFor(new URL('http://11.0.0.1/')));
  });
});

describe('proxy credentials', () => {
  it('sends the URL\'s user and password, percent-decoded, as Basic Proxy-Authorization', () => {
    const header = proxyAuthorization(new URL('http://okd%20user:p%40ss%3Aw%2Frd@proxy:3128'));
    assert.equal(header, `Basic ${Buffer.from('okd user:p@ss:w/rd').toString('base64')}`);
    assert.equal(proxyAuthorization(new URL('http://proxy:3128')), undefined);
  });

  it('shows a proxy with its user and never its password', () => {
    assert.equal(describeProxy(new URL('http://alice:secret@proxy.corp:3128')), 'http://alice@proxy.corp:3128');
    assert.equal(describeProxy(new URL('http://proxy.corp:3128')), 'http://proxy.corp:3128');
  });
});
