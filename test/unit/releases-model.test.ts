// The Release Explorer's model (no VS Code): sources, paging, error nodes, stable node objects, invalidation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OkdError } from '../../src/core/errors';
import { silentLogger } from '../../src/core/log';
import type { ClusterUpgradeSource } from '../../src/core/cluster/upgradeSource';
import type { ReleaseLibrary } from '../../src/core/release/library';
import type { Release } from '../../src/core/release/model';
import { buildRelease } from '../../src/core/release/operators';
import type { ReleaseStreamTags } from '../../src/core/releasecontroller/client';
import { PAGE_SIZE, ReleaseTreeModel, type ReleaseSources } from '../../src/vscode/releases/model';
import type { ReleaseTreeNode } from '../../src/vscode/releases/nodes';
import { NAME_410, payload410 } from './release-fixtures';

const release410 = buildRelease(payload410());

interface Fake {
  model: ReleaseTreeModel;
  sources: ReleaseSources;
  calls: { listTags: number; streamTags: number; load: string[]; forget: string[]; progress: string[] };
  failRepository?: OkdError;
  failLoad?: OkdError;
  tags: string[];
  /** What the connected cluster runs (undefined: no cluster), or why it cannot be read. */
  cluster?: ClusterUpgradeSource | Error;
  /** Graphs asked: `base channel`. */
  graphs: string[];
}

function fake(sources: Partial<ReleaseSources> = {}): Fake {
  const loaded = new Map<string, Release>();
  const f: Fake = {
    sources: { controllers: [], repositories: [], pinned: [], ...sources },
    calls: { listTags: 0, streamTags: 0, load: [], forget: [], progress: [] },
    tags: ['4.19.0-okd-scos.9', '4.19.0-okd-scos.16', '4.20.0-okd-scos.ec.2', 'latest'],
    graphs: [],
    model: undefined as unknown as ReleaseTreeModel,
  };
  const library = {
    get: (p: string) => loaded.get(p),
    load: async (p: string) => {
      f.calls.load.push(p);
      if (f.failLoad) throw f.failLoad;
      const release = { ...release410, pullSpec: p };
      loaded.set(p, release);
      return release;
    },
    forget: (p: string) => {
      f.calls.forget.push(p);
      loaded.delete(p);
    },
  } as unknown as ReleaseLibrary;
  f.model = new ReleaseTreeModel({
    sources: () => f.sources,
    library,
    listTags: async () => {
      f.calls.listTags++;
      await new Promise((r) => setTimeout(r, 5));
      if (f.failRepository) throw f.failRepository;
      return f.tags;
    },
    controller: (url) => ({
      streamTags: async (stream: string): Promise<ReleaseStreamTags> => {
        f.calls.streamTags++;
        return {
          name: stream,
          tags: [
            { name: '4.19.0-okd-scos.16', phase: 'Accepted', pullSpec: 'quay.io/okd/scos-release:4.19.0-okd-scos.16' },
            { name: '4.19.0-okd-scos.15', phase: 'Rejected', pullSpec: 'quay.io/okd/scos-release:4.19.0-okd-scos.15' },
          ],
        };
      },
      releaseStreams: async () => {
        if (url.includes('down')) throw new OkdError('unreachable', `release controller ${url} did not answer`);
        return { '4-scos-next': [], '4-scos-stable': [] };
      },
      releaseResults: (_stream: string, tag: string) => Promise.resolve({ name: tag, phase: 'Accepted', blockingJobs: [], informingJobs: [], pendingJobs: [], upgradesTo: [], upgradesFrom: [] }),
      upgradeGraph: (channel: string) => {
        f.graphs.push(`${url} ${channel}`);
        // .14 -> .15 -> .16 passed; nothing into .15 from .16.
        const nodes = ['4.19.0-okd-scos.14', '4.19.0-okd-scos.15', '4.19.0-okd-scos.16'].map((version) => ({ version, payload: `quay.io/okd/scos-release:${version}` }));
        return Promise.resolve({ channel, nodes, edges: [[0, 1], [1, 2]] as [number, number][] });
      },
    }),
    clusterUpgradeSource: () => (f.cluster instanceof Error ? Promise.reject(f.cluster) : Promise.resolve(f.cluster)),
    logger: silentLogger,
    withProgress: (title, task) => {
      f.calls.progress.push(title);
      return task();
    },
  });
  return f;
}

const kinds = (nodes: ReleaseTreeNode[]) => nodes.map((n) => n.kind);
const labels = (nodes: ReleaseTreeNode[]) => nodes.map((n) => (n.kind === 'release' ? n.label : n.kind === 'stream' ? n.stream : n.id));

describe('ReleaseTreeModel', () => {
  it('has no roots and is empty without sources', async () => {
    const f = fake();
    assert.equal(f.model.isEmpty(), true);
    assert.deepEqual(await f.model.children(undefined), []);
  });

  it('lists controllers, repositories and Pinned as roots, with stable objects across calls', async () => {
    const f = fake({ controllers: [{ url: 'https://rc.example', streams: ['4-scos-stable'] }], repositories: ['quay.io/okd/scos-release'] });
    const roots = await f.model.children(undefined);
    assert.deepEqual(kinds(roots), ['controller', 'repository', 'pinned']);
    assert.deepEqual(
      roots.map((r) => r.id),
      ['controller:https://rc.example', 'repository:quay.io/okd/scos-release', 'pinned'],
    );
    assert.equal(f.model.reloadSources(), false, 'same settings: same roots');
    assert.ok((await f.model.children(undefined)).every((r, i) => r === roots[i]));
    f.sources = { ...f.sources, repositories: [] };
    assert.equal(f.model.reloadSources(), true);
  });

  it('lists a controller stream in the controller order with phases, ids without phase', async () => {
    const f = fake({ controllers: [{ url: 'https://rc.example', streams: ['4-scos-stable'] }] });
    const [controller] = await f.model.children(undefined);
    const [stream] = await f.model.children(controller);
    const tags = await f.model.children(stream);
    assert.deepEqual(
      tags.map((t) => (t.kind === 'release' ? [t.label, t.phase] : [])),
      [
        ['4.19.0-okd-scos.16', 'Accepted'],
        ['4.19.0-okd-scos.15', 'Rejected'],
      ],
    );
    assert.equal(tags[0]?.id, 'controller:https://rc.example/stream:4-scos-stable|quay.io/okd/scos-release:4.19.0-okd-scos.16');
  });

  it('shows under a tag\'s Results whether the connected cluster can upgrade to it, from its channel\'s graph', async () => {
    const f = fake({ controllers: [{ url: 'https://rc.example', streams: ['4-scos-stable'] }] });
    const [controller] = await f.model.children(undefined);
    const [stream] = await f.model.children(controller);
    const [tag16, tag15] = await f.model.children(stream);
    const resultsOf = async (tag: ReleaseTreeNode | undefined) => {
      const results = (await f.model.children(tag)).find((n) => n.kind === 'results');
      assert.ok(results);
      return f.model.children(results);
    };
    const rowOf = (rows: ReleaseTreeNode[]) => rows.find((n) => n.id.endsWith('/clusterUpgrade') || n.id.endsWith('/clusterUpgrade/error'));

    // No cluster: no row, and no graph asked.
    assert.equal(rowOf(await resultsOf(tag16)), undefined);
    assert.deepEqual(f.graphs, []);

    f.cluster = { version: '4.19.0-okd-scos.14', channel: 'stable-scos-4' };
    f.model.invalidate(undefined);
    const via = rowOf(await resultsOf(tag16));
    assert.ok(via?.kind === 'resultRow');
    assert.equal(via.label, 'Via 4.19.0-okd-scos.15 from your cluster');
    assert.equal(via.description, '4.19.0-okd-scos.14, channel stable-scos-4');
    assert.equal(via.state, 'Reachable');
    assert.match(via.tooltip, /^From your cluster's 4\.19\.0-okd-scos\.14: via 4\.19\.0-okd-scos\.15\n4\.19\.0-okd-scos\.14 -> 4\.19\.0-okd-scos\.15 -> 4\.19\.0-okd-scos\.16 \(2 upgrades\) in channel stable-scos-4\.\nGraph: https:\/\/rc\.example\/graph\?channel=stable-scos-4/);
    // The default update server is the controller that lists the tag.
    assert.deepEqual(f.graphs, ['https://rc.example stable-scos-4']);

    // The cluster's spec.upstream is where the graph comes from.
    f.cluster = { version: '4.19.0-okd-scos.16', channel: 'stable-scos-4', upstream: 'https://updates.example/graph' };
    f.model.invalidate(undefined);
    const back = rowOf(await resultsOf(tag15));
    assert.ok(back?.kind === 'resultRow');
    assert.equal(back.label, 'Not reachable from your cluster');
    assert.match(back.tooltip, /^From your cluster's 4\.19\.0-okd-scos\.16: not reachable in channel stable-scos-4\n/);
    assert.equal(back.state, 'Unreachable');
    assert.match(back.tooltip, /no path from 4\.19\.0-okd-scos\.16 to 4\.19\.0-okd-scos\.15 \(4\.19\.0-okd-scos\.15 is older/);
    assert.equal(f.graphs.at(-1), 'https://updates.example stable-scos-4');

    // A cluster that cannot be read is one error row; the results are still shown.
    f.cluster = new OkdError('unreachable', 'the cluster did not answer within 5 s');
    f.model.invalidate(undefined);
    const rows = await resultsOf(tag16);
    const failed = rowOf(rows);
    assert.ok(failed?.kind === 'error');
    assert.match(failed.message, /^Upgrade from your cluster: the cluster did not answer within 5 s/);
    assert.ok(rows.some((r) => r.kind === 'resultRow' && r.label === 'Phase: Accepted'));
  });

  it('lists the accepted streams when the setting names none, and an unreachable controller as one error node', async () => {
    const f = fake({ controllers: [{ url: 'https://rc.example', streams: [] }, { url: 'https://down.example', streams: [] }] });
    const [up, down] = await f.model.children(undefined);
    assert.deepEqual(labels(await f.model.children(up)), ['4-scos-next', '4-scos-stable']);
    const errors = await f.model.children(down);
    assert.equal(errors.length, 1);
    assert.ok(errors[0]?.kind === 'error' && /did not answer/.test(errors[0].message));
    assert.equal(errors[0].parent, down);
  });

  it('sorts repository tags newest first and pages them with a Load more node', async () => {
    const f = fake({ repositories: ['quay.io/okd/scos-release'] });
    const [repo] = await f.model.children(undefined);
    assert.deepEqual(labels(await f.model.children(repo)), ['4.20.0-okd-scos.ec.2', '4.19.0-okd-scos.16', '4.19.0-okd-scos.9', 'latest']);

    const g = fake({ repositories: ['quay.io/okd/scos-release'] });
    g.tags = Array.from({ length: 120 }, (_, i) => `4.19.0-okd-scos.${i}`);
    const [repo2] = await g.model.children(undefined);
    const first = await g.model.children(repo2);
    assert.equal(first.length, PAGE_SIZE + 1);
    assert.equal((first[0] as { label?: string }).label, '4.19.0-okd-scos.119');
    const more = first[PAGE_SIZE];
    assert.ok(more?.kind === 'loadMore' && more.remaining === 70);
    assert.equal(g.model.loadMore(more), repo2);
    const second = await g.model.children(repo2);
    assert.equal(second.length, 2 * PAGE_SIZE + 1);
    assert.ok(second.slice(0, PAGE_SIZE).every((n, i) => n === first[i]), 'rows already shown keep their objects');
    const last = second[2 * PAGE_SIZE];
    assert.ok(last?.kind === 'loadMore' && last.remaining === 20);
    g.model.loadMore(last);
    const all = await g.model.children(repo2);
    assert.equal(all.length, 120);
    assert.equal(all.at(-1)?.kind, 'release');
    assert.equal(g.calls.listTags, 1, 'paging does not list again');
  });

  it('reads a source once for concurrent expansions, shows a failure as an error node, and reads again when invalidated', async () => {
    const f = fake({ repositories: ['127.0.0.1:1/okd/release'] });
    f.failRepository = new OkdError('unreachable', 'registry 127.0.0.1:1 did not answer GET /v2/okd/release/tags/list: connection refused', 'retry');
    const [repo] = await f.model.children(undefined);
    const [a, b] = await Promise.all([f.model.children(repo), f.model.children(repo)]);
    assert.equal(f.calls.listTags, 1);
    assert.equal(a, b);
    assert.equal(a.length, 1);
    assert.ok(a[0]?.kind === 'error');
    assert.match(a[0].message, /connection refused\. Retry$/);
    assert.deepEqual(f.calls.progress, ['Listing tags of 127.0.0.1:1/okd/release']);

    f.failRepository = undefined;
    f.model.invalidate(repo);
    assert.equal((await f.model.children(repo)).length, 4);
    assert.equal(f.calls.listTags, 2);
  });

  it('expands a release into groups, operators, workloads, containers, images, manifests and metadata', async () => {
    const f = fake({ pinned: ['quay.io/okd/scos-release:4.10'] });
    const [pinned] = await f.model.children(undefined);
    const [release] = await f.model.children(pinned);
    assert.ok(release?.kind === 'release' && release.pinned && release.label === '4.10');
    const groups = await f.model.children(release);
    assert.deepEqual(
      groups.map((g) => (g.kind === 'group' ? g.group : g.kind)),
      ['operators', 'images', 'manifests', 'metadata'],
    );
    assert.deepEqual(f.calls.progress, ['Reading release quay.io/okd/scos-release:4.10']);

    const operators = await f.model.children(groups[0]);
    const registry = operators.find((o) => o.kind === 'operator' && o.operator.name === 'cluster-image-registry-operator');
    assert.ok(registry);
    const [workload, manifestsOfOperator] = await f.model.children(registry);
    assert.ok(workload?.kind === 'workload' && workload.workload.name === 'cluster-image-registry-operator');
    assert.equal(manifestsOfOperator?.kind, 'operatorManifests');
    const containers = await f.model.children(workload);
    assert.ok(containers[0]?.kind === 'container' && containers[0].container.component === 'cluster-image-registry-operator');

    const images = await f.model.children(groups[1]);
    assert.equal(images.length, release410.components.length);
    const names = images.map((i) => (i.kind === 'image' ? i.component.name : ''));
    assert.deepEqual(names, [...names].sort((x, y) => x.localeCompare(y)));

    const metadata = await f.model.children(groups[3]);
    const row = (label: string) => metadata.find((m) => m.kind === 'metadata' && m.label === label);
    assert.equal((row('Version') as { value: string }).value, NAME_410);
    assert.match((row('Digest') as { value: string }).value, /^sha256:/);

    // Ids are unique and every parent link is the node that listed the child.
    const ids = new Set<string>();
    const walk = async (node: ReleaseTreeNode | undefined): Promise<void> => {
      for (const child of await f.model.children(node)) {
        assert.ok(!ids.has(child.id), `duplicate id ${child.id}`);
        ids.add(child.id);
        assert.equal(child.parent, node);
        await walk(child);
      }
    };
    await walk(undefined);
    assert.ok(ids.size > release410.components.length + release410.manifests.length);
  });

  it('shows a release that cannot be read as an error node; refreshing it forgets and reads it again', async () => {
    const f = fake({ pinned: ['quay.io/okd/busybox:latest'] });
    f.failLoad = new OkdError('not-a-payload', 'quay.io/okd/busybox:latest is not a release payload: its top layer has no release-manifests/image-references');
    const [pinned] = await f.model.children(undefined);
    const [release] = await f.model.children(pinned);
    const [error] = await f.model.children(release);
    assert.ok(error?.kind === 'error' && /not a release payload/.test(error.message));
    f.failLoad = undefined;
    f.model.invalidate(error.parent);
    assert.deepEqual(f.calls.forget, ['quay.io/okd/busybox:latest']);
    assert.equal((await f.model.children(release)).length, 4);
    assert.equal(f.calls.load.length, 3, 'the prefetch when the row was shown, the failed expansion, the one after refresh');
  });

  it('starts reading pinned releases as soon as their rows are shown', async () => {
    const f = fake({ pinned: ['quay.io/okd/scos-release:4.19.0-okd-scos.16', 'quay.io/okd/scos-release:4.19.0-okd-scos.15'] });
    const [pinned] = await f.model.children(undefined);
    await f.model.children(pinned);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([...f.calls.load].sort(), ['quay.io/okd/scos-release:4.19.0-okd-scos.15', 'quay.io/okd/scos-release:4.19.0-okd-scos.16']);
  });

  it('shows a pinned release at once, before the settings update arrives', async () => {
    const f = fake();
    assert.deepEqual(await f.model.children(undefined), []);
    const { node, rootsChanged } = f.model.addPendingPin('quay.io/okd/scos-release:4.19.0-okd-scos.16');
    assert.equal(rootsChanged, true);
    assert.equal(f.model.isEmpty(), false);
    const [pinned] = await f.model.children(undefined);
    assert.deepEqual(await f.model.children(pinned), [node]);
    assert.deepEqual(f.model.releaseNodes('quay.io/okd/scos-release:4.19.0-okd-scos.16'), [node]);
    f.sources = { ...f.sources, pinned: ['quay.io/okd/scos-release:4.19.0-okd-scos.16'] };
    f.model.reloadSources();
    assert.deepEqual(await f.model.children(pinned), [node], 'the same node once the setting has it');
  });
});

describe('ReleaseTreeModel sources', () => {
  it('shows a source listed twice once, and reads a controller again when its streams change', async () => {
    const f = fake({ controllers: [{ url: 'https://rc.example', streams: ['4-scos-stable'] }, { url: 'https://rc.example', streams: ['4-scos-stable'] }], repositories: ['quay.io/okd/scos-release', 'quay.io/okd/scos-release'] });
    const roots = await f.model.children(undefined);
    assert.deepEqual(kinds(roots), ['controller', 'repository', 'pinned']);
    f.sources = { ...f.sources, controllers: [{ url: 'https://rc.example', streams: ['4-scos-next'] }] };
    assert.equal(f.model.reloadSources(), true);
    const [controller] = await f.model.children(undefined);
    assert.notEqual(controller, roots[0]);
    assert.equal(f.model.get(controller!.id), controller);
    assert.deepEqual(labels(await f.model.children(controller)), ['4-scos-next']);
  });
});
