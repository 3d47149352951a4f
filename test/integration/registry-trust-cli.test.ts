import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry/client';
import { cliEnv, runCli } from '../support/cli';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { type TlsTestRegistry, makeCertsDir, startTlsRegistry } from '../support/registry/trust';

// Registry TLS trust from certs.d, through `okd-dev release info`: a registry whose CA is only in
// ~/.config/containers/certs.d/<host:port>/ca.crt, and one that requires a client certificate (docker-registry's
// http.tls.clientcas) given there as NAME.cert + NAME.key. Each run has its own HOME (cliEnv), so these are the
// default paths, not an option.
const repo = 'okd/scos-release';
const tag = '4.10.0-okd-trust.1';

describe('registry trust from certs.d (okd-dev release info)', () => {
  let secure: TlsTestRegistry;
  let mtls: TlsTestRegistry;
  let securePayload: TestPayload;
  let mtlsPayload: TestPayload;
  let roots: string;

  before(async () => {
    [secure, mtls] = await Promise.all([startTlsRegistry(), startTlsRegistry({ requireClientCert: true })]);
    roots = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-certsd-'));
    const client = mtls.client as NonNullable<TlsTestRegistry['client']>;
    makeCertsDir(roots, mtls.host, { 'ca.crt': mtls.caFile, 'client.cert': client.certFile, 'client.key': client.keyFile });
    makeCertsDir(roots, secure.host, { 'ca.crt': secure.caFile });
    const pusher = new RegistryClient({ registriesConf: false, certsDirs: [roots] });
    const push = (host: string) => pushTestPayload({ client: pusher, registry: host, repository: repo, tag, version: tag, small: true, tinyBase: true });
    [securePayload, mtlsPayload] = await Promise.all([push(secure.host), push(mtls.host)]);
  });

  after(async () => {
    await Promise.all([secure?.stop(), mtls?.stop()]);
    if (roots) fs.rmSync(roots, { recursive: true, force: true });
  });

  /** A CLI environment whose ~/.config/containers/certs.d/<host>/ holds `files` (name -> source). */
  const envWith = (host: string, files: Record<string, string>) => {
    const env = cliEnv({ CONTAINERS_REGISTRIES_CONF: undefined });
    makeCertsDir(path.join(env.HOME as string, '.config', 'containers', 'certs.d'), host, files);
    return env;
  };
  const info = (host: string, env: NodeJS.ProcessEnv) => runCli(['release', 'info', `${host}/${repo}:${tag}`], env);

  it('trusts a CA found only in ~/.config/containers/certs.d/<host:port>/*.crt', async () => {
    const result = await info(secure.host, envWith(secure.host, { 'ca.crt': secure.caFile }));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Digest:\\s+${securePayload.digest}$`, 'm'));
  });

  it('that CA is for that registry only: another host with the same certificate is not trusted', async () => {
    // The folder is named for 127.0.0.1:<other port>; the registry's own host has none.
    const result = await info(secure.host, envWith('127.0.0.1:1', { 'ca.crt': secure.caFile }));
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, new RegExp(`TLS certificate of registry ${secure.host.replace(/\./g, '\\.')} was not accepted.*certs\\.d/${secure.host.replace(/\./g, '\\.')}/`));
  });

  it('presents the client certificate NAME.cert + NAME.key to a registry that requires one', async () => {
    const client = mtls.client as NonNullable<TlsTestRegistry['client']>;
    const result = await info(mtls.host, envWith(mtls.host, { 'ca.crt': mtls.caFile, 'okd.cert': client.certFile, 'okd.key': client.keyFile }));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Digest:\\s+${mtlsPayload.digest}$`, 'm'));
  });

  it('without a client certificate, says the registry wants one and where it goes', async () => {
    const result = await info(mtls.host, envWith(mtls.host, { 'ca.crt': mtls.caFile }));
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /refused the TLS connection for its client certificate/);
    assert.match(result.stderr, /NAME\.cert and NAME\.key in ~\/\.config\/containers\/certs\.d\//);
  });

  it('a .cert without its .key is an error naming both, as containers/image says it', async () => {
    const client = mtls.client as NonNullable<TlsTestRegistry['client']>;
    const result = await info(mtls.host, envWith(mtls.host, { 'ca.crt': mtls.caFile, 'client.cert': client.certFile }));
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /missing key client\.key for client certificate client\.cert\. CA certificates should use the extension \.crt/);
  });

  it('insecure = true in registries.conf accepts the unverified certificate (containers/image: TLS unverified, http allowed)', async () => {
    const env = cliEnv();
    const conf = path.join(env.HOME as string, 'registries.conf');
    fs.writeFileSync(conf, `[[registry]]\nlocation = "${secure.host}"\ninsecure = true\n`);
    const result = await info(secure.host, { ...env, CONTAINERS_REGISTRIES_CONF: conf });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Digest:\\s+${securePayload.digest}$`, 'm'));
  });
});
