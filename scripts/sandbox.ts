/**
 * The sandbox behind `npm start` (see scripts/start.js, which builds and packages first):
 *   node --import tsx scripts/sandbox.ts [--no-editor] [--release PULLSPEC]... [--workspace DIR] [--port N]
 * Human-readable progress goes to stderr; when everything is up, one JSON line goes to stdout:
 *   {"registry", "releaseController", "editor", "releases", "workspace", "kubeconfig"}
 * The test cluster runs the first --release payload when given, else the first demo payload; the editor's
 * settings point okd.kubeconfig at it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parsePullspec } from '../src/core/pullspec';
import { type CodeServer, startCodeServer } from '../test/e2e/support/codeServer';
import { startSandbox } from '../test/support/sandbox';
import { writeDemoWorkspace } from '../test/support/sandbox/workspace';

const say = (message: string) => process.stderr.write(`${message}\n`);

function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\./.test(name);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'no-editor': { type: 'boolean' },
      release: { type: 'string', multiple: true },
      workspace: { type: 'string' },
      port: { type: 'string' },
    },
    strict: true,
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new Error(`--port ${values.port} is not a port number`);
  const extra = (values.release ?? []).map((text) => {
    parsePullspec(text);
    return text;
  });

  say('starting the sandbox: registry, demo payloads with component images, release controller, test cluster...');
  const started = Date.now();
  // The test cluster runs the first --release payload when one is given, else the first demo payload.
  const sandbox = await startSandbox(extra[0] ? { clusterRelease: extra[0] } : {});
  const cleanups: (() => Promise<void>)[] = [() => sandbox.stop()];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping the sandbox...');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => say(`cleanup failed: ${String(err)}`));
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  const insecure = new Set<string>([sandbox.registry]);
  for (const pullSpec of extra) {
    const { registry } = parsePullspec(pullSpec);
    if (isLoopback(registry)) insecure.add(registry);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-sandbox-'));
  const workspace = values.workspace ? path.resolve(values.workspace) : path.join(root, 'workspace');
  // The demo workspace is an operator checkout of a sandbox payload component: edit, Build, Push & Patch, Restore.
  if (!values.workspace) writeDemoWorkspace(workspace, sandbox, { checkout: true });
  const settings = {
    ...sandbox.settings,
    'okd.pinnedReleases': [...(sandbox.settings['okd.pinnedReleases'] as string[]), ...extra],
    'okd.insecureRegistries': [...insecure],
    'okd.cacheDir': path.join(root, 'cache'),
  };
  say(`sandbox ready in ${((Date.now() - started) / 1000).toFixed(1)} s: registry ${sandbox.registry}, release controller ${sandbox.releaseController}`);
  if (sandbox.cluster) {
    say(`test cluster ${sandbox.cluster.cluster.url} runs ${sandbox.cluster.release.version}; kubeconfig ${sandbox.cluster.kubeconfig}`);
    say(`  try: KUBECONFIG=${sandbox.cluster.kubeconfig} node dist/cli.js cluster status --insecure`);
  }
  const gitEnv = Object.entries(sandbox.gitEnv).map(([k, v]) => `${k}=${v}`).join(' ');
  say(`source repositories of ${[...sandbox.sources.commits.keys()].join(', ')}: ${sandbox.sources.daemon.url} (as https://github.com/openshift/...)`);
  say(`  try: ${gitEnv} node dist/cli.js release diff ${sandbox.releases[0]} ${sandbox.releases[1]} --insecure --changelog`);

  let editor: CodeServer | undefined;
  if (!values['no-editor']) {
    const vsix = path.resolve(__dirname, '..', 'dist', 'okd-operator-dev.vsix');
    if (!fs.existsSync(vsix)) throw new Error(`${vsix} is missing: run npm start (it packages the extension first)`);
    say('starting VS Code (code-server) with the packaged extension; the first run installs code-server (a few minutes)...');
    // The sandbox's git daemon stands in for github.com in the editor's git (Compare's changelog), not in the user's.
    editor = await startCodeServer({ workspace, installExtensions: [vsix], settings, env: sandbox.gitEnv, ...(port ? { port } : {}) });
    cleanups.push(() => (editor as CodeServer).stop());
    say(`\nOpen ${editor.folderUrl(workspace)} in a browser. Ctrl+C stops everything.\n`);
  }
  process.stdout.write(
    `${JSON.stringify({
      registry: sandbox.registry,
      releaseController: sandbox.releaseController,
      editor: editor ? editor.folderUrl(workspace) : null,
      releases: [...sandbox.releases, ...extra],
      workspace,
      kubeconfig: sandbox.cluster?.kubeconfig ?? null,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  say(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
