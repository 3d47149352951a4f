import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterUpgradeTo, describeClusterUpgrade } from '../../src/core/releasecontroller/clusterUpgrade';
import { answerUpgrade, parseUpgradeGraph } from '../../src/core/releasecontroller/graph';
import { parseReleaseInfo } from '../../src/core/releasecontroller/results';

describe('parseReleaseInfo (APIReleaseInfo, pkg/release-controller/types.go)', () => {
  it('reads jobs failures first and UpgradeHistory with its capitalised fields, one row per edge', () => {
    const r = parseReleaseInfo({
      name: '4.19.0-okd-scos.1',
      phase: 'Rejected',
      results: {
        blockingJobs: { upgrade: { state: 'Succeeded', url: 'u1' }, aws: { state: 'Failed', url: 'u2', retries: 2, transitionTime: '2025-06-30T07:41:12Z' } },
        informingJobs: { gcp: { state: 'Pending' } },
      },
      // An older controller listed the edge once per source of the target.
      upgradesFrom: [
        { From: 'a', To: 'b', Success: 1, Failure: 0, Total: 1, History: { x: { state: 'Succeeded', url: 'x' } } },
        { From: 'a', To: 'b', Success: 1, Failure: 1, Total: 2, History: { x: { state: 'Succeeded', url: 'x' }, y: { state: 'Failed', url: 'y' } } },
      ],
      changeLog: 'IyBjaGFuZ2Vsb2c=',
    });
    assert.ok(r);
    assert.deepEqual(r.blockingJobs.map((j) => [j.name, j.state, j.retries]), [['aws', 'Failed', 2], ['upgrade', 'Succeeded', undefined]]);
    assert.deepEqual(r.informingJobs, [{ name: 'gcp', state: 'Pending' }]);
    assert.deepEqual(r.pendingJobs, []);
    assert.deepEqual(r.upgradesTo, []);
    assert.deepEqual(r.upgradesFrom.map((e) => [e.from, e.to, e.success, e.failure, e.total, e.runs.map((x) => x.url)]), [['a', 'b', 1, 1, 2, ['x', 'y']]]);
  });

  it('takes a tag with no results yet, and refuses what is not APIReleaseInfo', () => {
    assert.deepEqual(parseReleaseInfo({ name: 't', phase: 'Pending' }), { name: 't', phase: 'Pending', blockingJobs: [], informingJobs: [], pendingJobs: [], upgradesTo: [], upgradesFrom: [] });
    assert.equal(parseReleaseInfo({ tags: [] }), undefined);
    assert.equal(parseReleaseInfo('unable to find release tag'), undefined);
  });
});

describe('answerUpgrade on a Cincinnati graph', () => {
  const graph = parseUpgradeGraph(
    {
      nodes: [
        { version: '4.19.0-okd-scos.9', payload: 'p9' },
        { version: '4.19.0-okd-scos.10', payload: 'p10', metadata: { 'io.openshift.upgrades.graph.release.channels': 'stable-scos-4,next-scos-4' } },
        { version: '4.19.0-okd-scos.16', payload: 'p16' },
        { version: '4.20.0-okd-scos.1', payload: 'p20' },
      ],
      edges: [[0, 1], [0, 2], [1, 2], [2, 3], [3, 9]],
    },
    'stable-scos-4',
  );

  it('lists direct upgrades newest first (numeric build order), the newest reachable and a path to a target', () => {
    assert.ok(graph);
    assert.equal(graph.edges.length, 4, 'an edge pointing outside the nodes is dropped');
    assert.deepEqual(graph.nodes[1]?.channels, ['stable-scos-4', 'next-scos-4']);
    const a = answerUpgrade(graph, '4.19.0-okd-scos.9', '4.20.0-okd-scos.1');
    assert.equal(a.inGraph, true);
    assert.deepEqual(a.direct.map((t) => t.version), ['4.19.0-okd-scos.16', '4.19.0-okd-scos.10']);
    assert.deepEqual(a.newest?.path, ['4.19.0-okd-scos.9', '4.19.0-okd-scos.16', '4.20.0-okd-scos.1']);
    assert.deepEqual(a.to, { version: '4.20.0-okd-scos.1', inGraph: true, path: ['4.19.0-okd-scos.9', '4.19.0-okd-scos.16', '4.20.0-okd-scos.1'] });
  });

  it('has no path backwards, and nothing from a version outside the graph', () => {
    assert.ok(graph);
    assert.deepEqual(answerUpgrade(graph, '4.20.0-okd-scos.1', '4.19.0-okd-scos.9').to, { version: '4.19.0-okd-scos.9', inGraph: true });
    const out = answerUpgrade(graph, '4.18.0-okd-scos.3');
    assert.equal(out.inGraph, false);
    assert.deepEqual(out.direct, []);
    assert.equal(out.newest, undefined);
  });
});

describe('clusterUpgradeTo: can the connected cluster upgrade to a tag', () => {
  const graph = parseUpgradeGraph(
    {
      nodes: [
        { version: '4.19.0-okd-scos.15', payload: 'p15' },
        { version: '4.19.0-okd-scos.16', payload: 'p16' },
        { version: '4.20.0-okd-scos.ec.1', payload: 'p20' },
      ],
      edges: [[0, 1]],
    },
    'stable-scos-4',
  );
  const asked: string[] = [];
  const options = {
    defaultUpstream: 'https://rc.example',
    graph: (base: string, channel: string) => {
      asked.push(`${base} ${channel}`);
      assert.ok(graph);
      return Promise.resolve(graph);
    },
  };
  const summary = async (source: Parameters<typeof clusterUpgradeTo>[0], to: string) => describeClusterUpgrade(await clusterUpgradeTo(source, to, options));

  it('says direct, not in the graph, or not reachable, naming the channel; the graph from spec.upstream when set', async () => {
    const direct = await summary({ version: '4.19.0-okd-scos.15', channel: 'stable-scos-4', upstream: 'https://updates.example/graph/' }, '4.19.0-okd-scos.16');
    assert.deepEqual(direct, {
      verdict: 'Direct upgrade from your cluster',
      summary: "From your cluster's 4.19.0-okd-scos.15: direct upgrade",
      detail: '4.19.0-okd-scos.15 -> 4.19.0-okd-scos.16 (1 upgrade) in channel stable-scos-4.\nGraph: https://updates.example/graph?channel=stable-scos-4 (3 versions, 1 upgrade edges)',
      reachable: true,
    });
    assert.deepEqual(asked, ['https://updates.example stable-scos-4']);
    const noPath = await summary({ version: '4.19.0-okd-scos.15', channel: 'stable-scos-4' }, '4.20.0-okd-scos.ec.1');
    assert.equal(noPath.summary, "From your cluster's 4.19.0-okd-scos.15: not reachable in channel stable-scos-4");
    assert.equal(noPath.verdict, 'Not reachable from your cluster');
    assert.match(noPath.detail, /^Channel stable-scos-4 has no path from 4\.19\.0-okd-scos\.15 to 4\.20\.0-okd-scos\.ec\.1\.\nGraph: https:\/\/rc\.example\/graph/);
    assert.equal(noPath.reachable, false);
    const outside = await summary({ version: '4.18.0-okd-scos.3', channel: 'stable-scos-4' }, '4.19.0-okd-scos.16');
    assert.match(outside.detail, /^4\.18\.0-okd-scos\.3 is not in the graph of channel stable-scos-4: the channel offers no upgrade from it\./);
    const unknown = await summary({ version: '4.19.0-okd-scos.15', channel: 'stable-scos-4' }, '4.19.0-okd-scos.17');
    assert.match(unknown.detail, /^4\.19\.0-okd-scos\.17 is not in the graph of channel stable-scos-4\./);
  });

  it('asks no graph when the cluster runs the tag or has no channel', async () => {
    asked.length = 0;
    assert.equal((await summary({ version: '4.19.0-okd-scos.16', channel: 'stable-scos-4' }, '4.19.0-okd-scos.16')).summary, "From your cluster's 4.19.0-okd-scos.16: this is what it runs");
    const none = await summary({ version: '4.19.0-okd-scos.15' }, '4.19.0-okd-scos.16');
    assert.equal(none.summary, "From your cluster's 4.19.0-okd-scos.15: no channel set on the cluster");
    assert.equal(none.verdict, 'No channel set on your cluster');
    assert.equal(none.reachable, undefined);
    assert.deepEqual(asked, []);
  });
});
