// A read by tag while the registry is down answers from the cache with the payload the tag named when it was last
// read, and says so; a tag never read fails as before.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../src/core/registry/client';
import { cliEnv, runCli } from '../support/cli';
import { pushTestPayload, type TestPayload } from '../support/payload/build';
import { startRegistry, type TestRegistry } from '../support/registry';

describe('okd-dev release info by tag while the registry cannot be reached', () => {
  let registry: TestRegistry;
  let payload: TestPayload;
  const env = cliEnv();

  before(async () => {
    registry = await startRegistry();
    const client = new RegistryClient({ insecure: true });
    payload = await pushTestPayload({ client, registry: registry.host, repository: 'okd/scos-release', tag: '4.19.0-okd-scos.1', version: '4.19.0-okd-scos.1', small: true, tinyBase: true });
    const first = await runCli(['release', 'info', payload.pullSpec, '--insecure'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /Warnings:/);
    await registry.stop();
  });
  after(async () => {
    await registry?.stop();
  });

  it('shows the payload the tag named when it was last read, with a warning that says so', async () => {
    const result = await runCli(['release', 'info', payload.pullSpec, '--insecure'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Name:\s+4\.19\.0-okd-scos\.1$/m);
    assert.match(result.stdout, new RegExp(`^Digest:\\s+${payload.digest}$`, 'm'));
    const warning = new RegExp(
      `^\\* registry ${registry.host} did not answer .*; showing ${payload.digest}, which ${payload.pullSpec.replace(/[.]/g, '\\.')} named when it was last read \\(\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\): the tag may have moved since$`,
      'm',
    );
    assert.match(result.stdout, /\nWarnings:\n/);
    assert.match(result.stdout, warning);
    assert.match(result.stderr, new RegExp(`^warning: registry ${registry.host} did not answer .*the tag may have moved since\n$`));
  });

  it('marks the JSON as offline', async () => {
    const result = await runCli(['release', 'info', payload.pullSpec, '--insecure', '-o', 'json'], env);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { digest: string; offline?: { resolvedAt: string; reason: string }; images: unknown[] };
    assert.equal(json.digest, payload.digest);
    assert.ok(json.images.length > 0);
    assert.match(json.offline?.resolvedAt ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.match(json.offline?.reason ?? '', new RegExp(`^registry ${registry.host} did not answer`));
  });

  it('does not compare releases offline: release diff fails as before', async () => {
    const result = await runCli(['release', 'diff', payload.pullSpec, payload.digestPullSpec, '--insecure'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^error: registry ${registry.host} did not answer `));
  });

  it('fails as before for a tag it never read, and for a tag read with another cache', async () => {
    const never = await runCli(['release', 'info', payload.pullSpec.replace(/:[^:/]+$/, ':4.19.0-okd-scos.2'), '--insecure'], env);
    assert.equal(never.code, 1);
    assert.match(never.stderr, new RegExp(`^error: registry ${registry.host} did not answer `));
    const fresh = await runCli(['release', 'info', payload.pullSpec, '--insecure'], cliEnv());
    assert.equal(fresh.code, 1);
    assert.match(fresh.stderr, /^error: registry .* did not answer /);
  });
});
