import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry/client';
import { cliEnv, runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { type Forward, type Squid, type TlsFront, machineAddress, startForward, startSquid, startTlsFront } from '../support/proxy';
import { freePort, startRegistry, type TestRegistry } from '../support/registry';

// `okd-dev release info` through a real proxy (Debian's squid). The registries are addressed by names only the
// proxy resolves (its own hosts file), so a request that did not go through the proxy cannot succeed; the proxy's
// access log shows what passed (CONNECT for https, absolute-form GETs for plain http).
const plainName = 'registry.okd-proxy.test';
const tlsName = 'secure.okd-proxy.test';
const deniedName = 'denied.okd-proxy.test';
const repo = 'okd/scos-release';
const tag = '4.10.0-okd-proxy.1';

describe('okd-dev through an HTTP proxy (squid)', () => {
  let plain: TestRegistry;
  let secure: TestRegistry;
  let front: TlsFront;
  let squid: Squid;
  let authSquid: Squid;
  let payload: TestPayload;
  const user = 'okd-proxy-user';
  const password = 'p@ss:w/rd';
  const encoded = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;

  before(async () => {
    [plain, secure] = await Promise.all([startRegistry(), startRegistry({ tls: true })]);
    payload = await pushTestPayload({ client: new RegistryClient({ insecure: true }), registry: plain.host, repository: repo, tag, version: tag, small: true, tinyBase: true });
    await pushTestPayload({ client: new RegistryClient({ caFile: secure.caFile as string }), registry: secure.host, repository: repo, tag, version: tag, small: true, tinyBase: true });
    front = await startTlsFront(tlsName, { port: Number(secure.host.split(':')[1]), caFile: secure.caFile as string });
    const names = [plainName, tlsName, deniedName];
    [squid, authSquid] = await Promise.all([
      startSquid({ names, denied: [deniedName] }),
      startSquid({ names, credentials: { user, password } }),
    ]);
  });

  after(async () => {
    await Promise.all([squid?.stop(), authSquid?.stop(), front?.stop(), plain?.stop(), secure?.stop()]);
  });

  const plainPort = () => plain.host.split(':')[1] as string;
  const info = (host: string, extra: string[], env: Record<string, string | undefined>) => runCli(['release', 'info', `${host}/${repo}:${tag}`, ...extra], cliEnv(env));
  const linesFor = (proxy: Squid, text: string) => proxy.accessLog().filter((line) => line.includes(text));

  it('reads a release from a TLS registry through a CONNECT tunnel (HTTPS_PROXY), verifying its certificate', async () => {
    const target = `${tlsName}:${front.port}`;
    const result = await info(target, ['--ca-file', front.caFile], { HTTPS_PROXY: squid.url });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Name:\\s+${tag.replace(/\./g, '\\.')}$`, 'm'));
    // Squid logs a tunnel when it closes: the CLI's keep-alive tunnels close when it exits.
    await eventually(() => linesFor(squid, ` CONNECT ${target} `).length > 0, 5_000, 'CONNECT lines');
    const connects = linesFor(squid, ` CONNECT ${target} `);
    assert.ok(connects.every((line) => / TCP_TUNNEL\/200 /.test(line)), connects.join('\n'));
    assert.equal(linesFor(squid, `http://${target}`).length, 0, 'no plain-http request for an https registry');
  });

  it('reads a release from a plain-http registry with absolute-form requests (lower-case http_proxy/https_proxy)', async () => {
    const target = `${plainName}:${plainPort()}`;
    const result = await info(target, ['--insecure'], { http_proxy: squid.url, https_proxy: squid.url });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Digest:\\s+${payload.digest}$`, 'm'));
    const gets = linesFor(squid, ` GET http://${target}/v2/`);
    assert.ok(gets.some((line) => line.includes(`/v2/${repo}/manifests/${tag}`)), squid.accessLog().join('\n'));
    assert.ok(gets.every((line) => / TCP_MISS\/200 | TCP_MISS\/30\d /.test(line)), gets.join('\n'));
  });

  it('sends the proxy credentials from the URL (percent-encoded) and reaches the registry', async () => {
    const target = `${tlsName}:${front.port}`;
    const result = await info(target, ['--ca-file', front.caFile], { HTTPS_PROXY: `http://${encoded}@127.0.0.1:${authSquid.port}` });
    assert.equal(result.code, 0, result.stderr);
    await eventually(() => linesFor(authSquid, ` CONNECT ${target} ${user} `).length > 0, 5_000, 'authenticated CONNECT lines');
  });

  it('says the proxy wants credentials (407), naming the proxy and what to set', async () => {
    const target = `${tlsName}:${front.port}`;
    const none = await info(target, ['--ca-file', front.caFile], { HTTPS_PROXY: authSquid.url });
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, new RegExp(`proxy http://127\\.0\\.0\\.1:${authSquid.port} \\(from HTTPS_PROXY\\) asks for credentials \\(407 Proxy Authentication Required\\) for CONNECT to ${target}`));
    assert.match(none.stderr, /user and password in HTTPS_PROXY, as USER:PASSWORD@ before 127\.0\.0\.1:\d+/);

    const wrong = await info(target, ['--ca-file', front.caFile], { https_proxy: `http://${user}:not-the-password@127.0.0.1:${authSquid.port}` });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, new RegExp(`proxy http://${user}@127\\.0\\.0\\.1:${authSquid.port} \\(from https_proxy\\) asks for credentials`));
    assert.match(wrong.stderr, /check the user and password in https_proxy/i);
    assert.doesNotMatch(wrong.stderr + wrong.stdout, /not-the-password/);
  });

  it('says the proxy refused the destination (403)', async () => {
    const target = `${deniedName}:${plainPort()}`;
    const result = await info(target, ['--insecure'], { HTTPS_PROXY: squid.url, HTTP_PROXY: squid.url });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, new RegExp(`proxy http://127\\.0\\.0\\.1:${squid.port} \\(from HTTPS_PROXY\\) refused CONNECT to ${target} \\(403 Forbidden\\)`));
    assert.match(result.stderr, /ask its administrator|NO_PROXY/);
  });

  it('says the proxy cannot be reached (connection refused), without its password', async () => {
    const port = await freePort();
    const target = `${tlsName}:${front.port}`;
    const result = await info(target, ['--ca-file', front.caFile], { HTTPS_PROXY: `http://${user}:s3cret-value@127.0.0.1:${port}` });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, new RegExp(`proxy http://${user}@127\\.0\\.0\\.1:${port} \\(from HTTPS_PROXY\\) could not be reached on the way to ${target}: connection refused`));
    assert.doesNotMatch(result.stderr + result.stdout, /s3cret-value/);
    assert.ok(result.ms < 15_000, `failed fast (${Math.round(result.ms)} ms)`);
  });

  describe('NO_PROXY, for a registry reached by the machine\'s own non-loopback address', () => {
    const address = machineAddress();
    let forward: Forward | undefined;
    before(async () => {
      if (address) forward = await startForward(address, Number(plainPort()));
    });
    after(async () => {
      await forward?.stop();
    });

    it('connects directly to a host NO_PROXY lists (IP, CIDR, host:port) and through the proxy otherwise', { skip: address ? false : 'this machine has no non-loopback IPv4 address' }, async () => {
      const target = (forward as Forward).host;
      const [ip, port] = target.split(':') as [string, string];
      const dead = `http://127.0.0.1:${await freePort()}`;
      for (const noProxy of [ip, `${ip.split('.').slice(0, 3).join('.')}.0/24`, `example.com, ${target}`, '*']) {
        const result = await info(target, ['--insecure'], { HTTPS_PROXY: dead, HTTP_PROXY: dead, no_proxy: noProxy });
        assert.equal(result.code, 0, `NO_PROXY=${noProxy}: ${result.stderr}`);
      }
      // Not listed (another port): it goes to the proxy, which is not there.
      const other = await info(target, ['--insecure'], { HTTPS_PROXY: dead, HTTP_PROXY: dead, NO_PROXY: `${ip}:${Number(port) + 1}` });
      assert.notEqual(other.code, 0);
      assert.match(other.stderr, /could not be reached on the way to/);
      // And through the real proxy, which logs it.
      const proxied = await info(target, ['--insecure'], { HTTPS_PROXY: squid.url, HTTP_PROXY: squid.url });
      assert.equal(proxied.code, 0, proxied.stderr);
      assert.ok(linesFor(squid, ` GET http://${target}/v2/`).length > 0, squid.accessLog().join('\n'));
    });
  });
});
