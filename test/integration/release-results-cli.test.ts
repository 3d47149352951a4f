// okd-dev release info TAG --results and okd-dev release upgrades against a loopback release controller that
// answers in the real API's shapes (APIReleaseInfo with capitalised UpgradeHistory fields, Cincinnati /graph, Go's
// text/plain http.Error for an unknown tag or channel), including a late answer, one that never comes and a 502.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cliEnv, runCli } from '../support/cli';
import { type ControllerTag, type FakeReleaseController, startReleaseController } from '../support/sandbox/releaseController';
import { jobUrl } from '../support/sandbox/releaseResults';

const stable: ControllerTag[] = [
  { name: '4.19.0-okd-scos.1', phase: 'Accepted', pullSpec: 'quay.io/okd/scos-release:4.19.0-okd-scos.1' },
  { name: '4.19.0-okd-scos.0', phase: 'Accepted', pullSpec: 'quay.io/okd/scos-release:4.19.0-okd-scos.0' },
];
const next: ControllerTag[] = [{ name: '4.20.0-okd-scos.ec.1', phase: 'Rejected', pullSpec: 'quay.io/okd/scos-release:4.20.0-okd-scos.ec.1' }];

interface ResultsJson {
  name: string;
  phase: string;
  stream: string;
  page: string;
  blockingJobs: { name: string; state: string; url?: string; retries?: number }[];
  informingJobs: { name: string; state: string; url?: string }[];
  pendingJobs: { name: string; state: string }[];
  upgradesTo: { from: string; to: string; success: number; failure: number; total: number; runs: { state: string; url: string }[] }[];
  upgradesFrom: { from: string; to: string; success: number; failure: number; total: number }[];
}

describe('okd-dev release info --results and release upgrades against a release controller', () => {
  let controller: FakeReleaseController;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    controller = await startReleaseController(
      new Map([
        ['4-scos-stable', stable],
        ['4-scos-next', next],
      ]),
    );
    env = cliEnv({ OKD_DEV_RELEASE_CONTROLLER: controller.url });
  });
  after(async () => {
    await controller.stop();
  });

  it('shows a rejected tag: phase, the failed blocking jobs with their links, informing and pending jobs, upgrades into it', async () => {
    const r = await runCli(['release', 'info', '4.20.0-okd-scos.ec.1', '--results'], env);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, /^Name:\s+4\.20\.0-okd-scos\.ec\.1$/m);
    // The stream was found from /api/v1/releasestreams/all.
    assert.match(out, /^Stream:\s+4-scos-next$/m);
    assert.match(out, /^Phase:\s+Rejected \(2 blocking jobs failed\)$/m);
    assert.match(out, new RegExp(`^Page:\\s+${controller.url}/releasestream/4-scos-next/release/4\\.20\\.0-okd-scos\\.ec\\.1$`, 'm'));
    const aws = jobUrl(controller.url, 'periodic-ci-openshift-release-master-okd-scos-4.20-e2e-aws-ovn', '4.20.0-okd-scos.ec.1');
    assert.match(out, /^Blocking jobs \(2, 2 failed\):$/m);
    assert.ok(out.includes(`  Failed  aws (retried 2x)  ${aws}`), out);
    assert.match(out, /^Informing jobs \(1\):\n\s+Succeeded\s+gcp\s+http:\/\/127\.0\.0\.1:\d+\/view\/gs\//m);
    assert.match(out, /^Pending jobs \(1\):\n\s+Pending\s+metal\s+/m);
    assert.match(out, /^Upgrades to 4\.20\.0-okd-scos\.ec\.1 \(1\):\n\s+Failed\s+from 4\.19\.0-okd-scos\.1\s+0 passed, 1 failed of 1\s+http/m);
    assert.match(out, /^Upgrades from 4\.20\.0-okd-scos\.ec\.1: none recorded$/m);
    assert.ok(controller.requests.includes('GET /api/v1/releasestreams/all'), controller.requests.join('\n'));
  });

  it('gives the same as JSON, with --stream (no stream lookup) and a pullspec standing for its tag', async () => {
    controller.requests.length = 0;
    const r = await runCli(['release', 'info', 'quay.io/okd/scos-release:4.19.0-okd-scos.1', '--results', '--stream', '4-scos-stable', '-o', 'json'], env);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as ResultsJson;
    assert.equal(json.name, '4.19.0-okd-scos.1');
    assert.equal(json.phase, 'Accepted');
    assert.equal(json.stream, '4-scos-stable');
    assert.deepEqual(
      json.blockingJobs.map((j) => [j.name, j.state, j.retries]),
      [
        ['aws', 'Succeeded', undefined],
        ['upgrade', 'Succeeded', 1],
      ],
    );
    // Failures first.
    assert.deepEqual(json.informingJobs.map((j) => [j.name, j.state]), [['gcp', 'Failed'], ['vsphere', 'Succeeded']]);
    assert.ok(json.informingJobs.every((j) => j.url?.startsWith(`${controller.url}/view/gs/test-platform-results/logs/`)));
    assert.deepEqual(json.upgradesTo.map((u) => [u.from, u.to, u.success, u.failure, u.total, u.runs.length]), [['4.19.0-okd-scos.0', '4.19.0-okd-scos.1', 2, 0, 2, 2]]);
    assert.deepEqual(json.upgradesFrom.map((u) => [u.from, u.to, u.success, u.failure]), [['4.19.0-okd-scos.1', '4.20.0-okd-scos.ec.1', 0, 1]]);
    assert.deepEqual(controller.requests, ['GET /api/v1/releasestream/4-scos-stable/release/4.19.0-okd-scos.1']);
  });

  it('says which tag the controller does not know (404) and what to do', async () => {
    const r = await runCli(['release', 'info', '4.19.0-okd-scos.99', '--results', '--stream', '4-scos-stable'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /release controller 127\.0\.0\.1:\d+ has no release 4\.19\.0-okd-scos\.99 in stream "4-scos-stable" \(404 for GET \/api\/v1\/releasestream\/4-scos-stable\/release\/4\.19\.0-okd-scos\.99\)/);
    assert.match(r.stderr, /may have been deleted/);
    const lookup = await runCli(['release', 'info', '4.19.0-okd-scos.99', '--results'], env);
    assert.equal(lookup.code, 1);
    assert.match(lookup.stderr, /lists no release tag 4\.19\.0-okd-scos\.99 in any of its 2 streams/);
  });

  it('waits for a late answer, gives up on one that never comes, and reports a failed one', async () => {
    const path = '/api/v1/releasestream/4-scos-stable/release/4.19.0-okd-scos.0';
    controller.faults.set(path, { delayMs: 1500 });
    try {
      const late = await runCli(['release', 'info', '4.19.0-okd-scos.0', '--results', '--stream', '4-scos-stable', '--timeout', '20'], env);
      assert.equal(late.code, 0, late.stderr);
      assert.match(late.stdout, /^Phase:\s+Accepted$/m);

      controller.faults.set(path, { hang: true });
      const hung = await runCli(['release', 'info', '4.19.0-okd-scos.0', '--results', '--stream', '4-scos-stable', '--timeout', '1'], env);
      assert.equal(hung.code, 1);
      assert.match(hung.stderr, new RegExp(`release controller 127\\.0\\.0\\.1:\\d+ did not answer GET ${path.replace(/\./g, '\\.')}: timed out after 1\\.0 s`));

      controller.faults.set(path, { status: 502, body: '<html><body>502 Bad Gateway</body></html>' });
      const failed = await runCli(['release', 'info', '4.19.0-okd-scos.0', '--results', '--stream', '4-scos-stable'], env);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /answered GET .* with 502 Bad Gateway: <html><body>502 Bad Gateway<\/body><\/html>.*retry later/);
    } finally {
      controller.faults.delete(path);
    }
  });

  it('answers "can I upgrade" from a version in a channel graph, with a path to a target', async () => {
    const r = await runCli(['release', 'upgrades', '--channel', 'prerelease', '--from', '4.19.0-okd-scos.0', '--to', '4.20.0-okd-scos.ec.1'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Channel:\s+prerelease \(3 versions, 2 upgrade edges\)$/m);
    assert.match(r.stdout, /^Yes: 4\.19\.0-okd-scos\.0 -> 4\.19\.0-okd-scos\.1 -> 4\.20\.0-okd-scos\.ec\.1 \(2 upgrades\)$/m);
    assert.match(r.stdout, /^Upgrades from 4\.19\.0-okd-scos\.0 \(1\):\n\s+4\.19\.0-okd-scos\.1\s+quay\.io\/okd\/scos-release:4\.19\.0-okd-scos\.1$/m);
    assert.match(r.stdout, /^Newest reachable: 4\.20\.0-okd-scos\.ec\.1 via /m);

    // The stable channel keeps only edges whose upgrade test passed: the failed one into 4.20 is not offered.
    const json = await runCli(['release', 'upgrades', '--channel', 'stable', '--from', '4.19.0-okd-scos.1', '--to', '4.20.0-okd-scos.ec.1', '-o', 'json'], env);
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout) as { inGraph: boolean; direct: unknown[]; to: { inGraph: boolean; path?: string[] }; graph: string };
    assert.equal(answer.inGraph, true);
    assert.deepEqual(answer.direct, []);
    assert.deepEqual(answer.to, { version: '4.20.0-okd-scos.ec.1', inGraph: true });
    assert.equal(answer.graph, `${controller.url}/graph?channel=stable`);

    // OKD SCOS clusters' channel: the passed upgrades into 4.*.
    const scos = await runCli(['release', 'upgrades', '--channel', 'stable-scos-4', '--from', '4.19.0-okd-scos.0', '--to', '4.20.0-okd-scos.ec.1'], env);
    assert.equal(scos.code, 0, scos.stderr);
    assert.match(scos.stdout, /^Upgrades from 4\.19\.0-okd-scos\.0 \(1\):\n\s+4\.19\.0-okd-scos\.1\s/m);
    assert.match(scos.stdout, /^No: channel stable-scos-4 has no path from 4\.19\.0-okd-scos\.0 to 4\.20\.0-okd-scos\.ec\.1\.$/m);

    const unknown = await runCli(['release', 'upgrades', '--channel', 'stable-4.19', '--from', '4.18.0-okd-scos.9'], env);
    assert.equal(unknown.code, 0, unknown.stderr);
    assert.match(unknown.stdout, /4\.18\.0-okd-scos\.9 is not in the graph of channel stable-4\.19: the channel offers no upgrade from it\./);
  });

  it('refuses a channel the controller does not serve (400) with the channels it does', async () => {
    const r = await runCli(['release', 'upgrades', '--channel', 'fast-4.19', '--from', '4.19.0-okd-scos.0'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /answered GET \/graph\?channel=fast-4\.19 with 400 Bad Request: Unsupported \?channel/);
    assert.match(r.stderr, /its channels are stable, stable-<version>, prerelease/);
    const missing = await runCli(['release', 'upgrades', '--from', '4.19.0-okd-scos.0'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing --channel/);
  });
});
