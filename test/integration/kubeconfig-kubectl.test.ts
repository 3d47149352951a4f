// Our kubeconfig loader judged by the real kubectl on generated kubeconfigs: several KUBECONFIG files with
// overlapping names, relative paths in files of different folders, tokenFile, exec plugins with a relative or PATH
// command, empty, comment-only, missing and malformed files, current-context set only by a later file. For each
// case kubectl reads the files (`config view --merge --minify --raw`, and `--flatten` for what the relative
// certificate paths hold) and then makes a request to a recording HTTPS server (`get --raw /version`; the server is known by two names, so the
// name reached tells which cluster won); our loader
// must resolve the same context, server, CA and client certificate and send the same request with the same
// Authorization, or fail where kubectl fails. kubectl runs with its own HOME and from another working directory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadKubeconfig } from '../../src/core/cluster/kubeconfig';
import { ApiRequester } from '../../src/core/cluster/request';
import { KUBECTL } from '../support/cluster/clients';
import { tmpDir, writeExecPlugin, writeKubeconfig } from '../support/kubeconfig';
import { type Recorded, type RecordingServer, startRecordingServer } from '../support/kubeconfig/recorder';

const V1 = 'client.authentication.k8s.io/v1';

interface Built {
  files: string[];
  context?: string;
  /** Folders put first on PATH (for a plugin named without a path). */
  pathDirs?: string[];
}

interface Case {
  name: string;
  build(dir: string, s: RecordingServer): Built;
  /** A difference from kubectl we chose: kubectl refuses the case, we accept it, for this reason. */
  deliberate?: string;
}

const cluster = (name: string, server: string, extra: object = {}) => ({ name, cluster: { server, ...extra } });
const user = (name: string, body: object) => ({ name, user: body });
const context = (name: string, c: string, u: string) => ({ name, context: { cluster: c, user: u } });
const config = (o: { clusters?: object[]; users?: object[]; contexts?: object[]; current?: string }) => ({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: o.clusters ?? [],
  users: o.users ?? [],
  contexts: o.contexts ?? [],
  ...(o.current ? { 'current-context': o.current } : {}),
});

function cases(): Case[] {
  const ca = (s: RecordingServer) => ({ 'certificate-authority-data': Buffer.from(s.caPem).toString('base64') });
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };
  return [
    {
      name: 'overlapping names across files: the first file wins, current-context from the second file only',
      build: (dir, s) => ({
        files: [
          writeKubeconfig(path.join(dir, 'a', 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { token: 'token-a' })], contexts: [context('x', 'c', 'u')] })),
          writeKubeconfig(path.join(dir, 'b', 'config'), config({ clusters: [cluster('c', s.otherUrl, ca(s))], users: [user('u', { token: 'token-b' })], contexts: [context('x', 'c', 'other'), context('second', 'c', 'u')], current: 'x' })),
        ],
      }),
    },
    {
      name: '--context of the second file, whose user the first file defines too',
      build: (dir, s) => ({
        context: 'second',
        files: [
          writeKubeconfig(path.join(dir, 'a', 'config'), config({ users: [user('u', { token: 'token-a' })], current: 'x' })),
          writeKubeconfig(path.join(dir, 'b', 'config'), config({ clusters: [cluster('c', s.otherUrl, ca(s))], users: [user('u', { token: 'token-b' })], contexts: [context('second', 'c', 'u')] })),
        ],
      }),
    },
    {
      name: 'relative certificate-authority, client-certificate and client-key in a file of another folder',
      build: (dir, s) => {
        write(path.join(dir, 'b', 'certs', 'ca.crt'), s.caPem);
        write(path.join(dir, 'b', 'tls', 'client.crt'), s.clientCertPem);
        write(path.join(dir, 'b', 'tls', 'client.key'), s.clientKeyPem);
        return {
          files: [
            writeKubeconfig(path.join(dir, 'a', 'config'), config({})),
            writeKubeconfig(
              path.join(dir, 'b', 'config'),
              config({ clusters: [cluster('c', s.url, { 'certificate-authority': 'certs/ca.crt' })], users: [user('u', { 'client-certificate': 'tls/client.crt', 'client-key': './tls/client.key', token: 't' })], contexts: [context('x', 'c', 'u')], current: 'x' }),
            ),
          ],
        };
      },
    },
    {
      name: 'tokenFile relative to its kubeconfig, with a newline, over a static token',
      build: (dir, s) => {
        write(path.join(dir, 'b', 'secrets', 'token'), 'sha256~from-file\n');
        return { files: [writeKubeconfig(path.join(dir, 'b', 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { tokenFile: 'secrets/token', token: 'static' })], contexts: [context('x', 'c', 'u')], current: 'x' }))] };
      },
    },
    {
      name: 'tokenFile that does not exist',
      build: (dir, s) => ({ files: [writeKubeconfig(path.join(dir, 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { tokenFile: 'nope' })], contexts: [context('x', 'c', 'u')], current: 'x' }))] }),
    },
    {
      name: 'empty tokenFile',
      build: (dir, s) => {
        write(path.join(dir, 'token'), '\n');
        return { files: [writeKubeconfig(path.join(dir, 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { tokenFile: 'token' })], contexts: [context('x', 'c', 'u')], current: 'x' }))] };
      },
    },
    {
      name: 'exec plugin with a relative command, in the second file',
      build: (dir, s) => {
        writeExecPlugin(path.join(dir, 'b', 'bin', 'get-token'), { token: 'token-from-b-bin' });
        writeExecPlugin(path.join(dir, 'a', 'bin', 'get-token'), { token: 'token-from-a-bin' });
        return {
          files: [
            writeKubeconfig(path.join(dir, 'a', 'config'), config({ clusters: [cluster('c', s.url, ca(s))] })),
            writeKubeconfig(path.join(dir, 'b', 'config'), config({ users: [user('u', { exec: { command: './bin/get-token', apiVersion: V1, interactiveMode: 'Never' } })], contexts: [context('x', 'c', 'u')], current: 'x' })),
          ],
        };
      },
    },
    {
      name: 'exec plugin named without a path: looked up in PATH, not next to the kubeconfig',
      build: (dir, s) => {
        writeExecPlugin(path.join(dir, 'onpath', 'okd-test-get-token'), { token: 'token-from-path' });
        writeExecPlugin(path.join(dir, 'okd-test-get-token'), { token: 'token-from-kubeconfig-folder' });
        return {
          pathDirs: [path.join(dir, 'onpath')],
          files: [writeKubeconfig(path.join(dir, 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { exec: { command: 'okd-test-get-token', apiVersion: 'client.authentication.k8s.io/v1beta1' } })], contexts: [context('x', 'c', 'u')], current: 'x' }))],
        };
      },
    },
    {
      name: 'exec plugin behind a static token: the token is used, the plugin not run',
      build: (dir, s) => {
        writeExecPlugin(path.join(dir, 'plugin'), { token: 'from-plugin' });
        return { files: [writeKubeconfig(path.join(dir, 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { token: 'static', exec: { command: './plugin', apiVersion: V1, interactiveMode: 'Never' } })], contexts: [context('x', 'c', 'u')], current: 'x' }))] };
      },
    },
    {
      name: 'exec plugin with apiVersion v1 and no interactiveMode',
      build: (dir, s) => {
        writeExecPlugin(path.join(dir, 'plugin'));
        return { files: [writeKubeconfig(path.join(dir, 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { exec: { command: './plugin', apiVersion: V1 } })], contexts: [context('x', 'c', 'u')], current: 'x' }))] };
      },
    },
    {
      name: 'exec plugin answering another apiVersion',
      build: (dir, s) => {
        writeExecPlugin(path.join(dir, 'plugin'), { apiVersion: 'client.authentication.k8s.io/v1beta1' });
        return { files: [writeKubeconfig(path.join(dir, 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { exec: { command: './plugin', apiVersion: V1, interactiveMode: 'IfAvailable' } })], contexts: [context('x', 'c', 'u')], current: 'x' }))] };
      },
    },
    {
      name: 'an empty, a comment-only and a missing file before the real one',
      build: (dir, s) => ({
        files: [
          write(path.join(dir, 'empty'), ''),
          write(path.join(dir, 'comment'), '# written by a tool that had nothing to say\n'),
          path.join(dir, 'missing'),
          writeKubeconfig(path.join(dir, 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { token: 'real' })], contexts: [context('x', 'c', 'u')], current: 'x' })),
        ],
      }),
    },
    {
      name: 'a malformed second file',
      build: (dir, s) => ({
        files: [writeKubeconfig(path.join(dir, 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { token: 't' })], contexts: [context('x', 'c', 'u')], current: 'x' })), write(path.join(dir, 'bad'), 'users: [\n')],
      }),
    },
    {
      name: 'a name used twice within one file',
      build: (dir, s) => ({
        files: [writeKubeconfig(path.join(dir, 'config'), config({ clusters: [cluster('c', s.url, ca(s))], users: [user('u', { token: 'one' }), user('u', { token: 'two' })], contexts: [context('x', 'c', 'u')], current: 'x' }))],
      }),
    },
    {
      name: 'an unquoted name YAML 1.1 reads as a boolean (y)',
      deliberate: 'kubectl parses YAML 1.1, where an unquoted y/yes/on is a boolean and no name; we parse YAML 1.2 and take the string',
      build: (dir, s) => ({
        files: [write(path.join(dir, 'config'), `clusters:\n- name: c\n  cluster: {server: "${s.url}", certificate-authority-data: ${Buffer.from(s.caPem).toString('base64')}}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: y\n  context: {cluster: c, user: u}\ncurrent-context: y\n`)],
      }),
    },
    {
      name: 'a context whose user is defined nowhere',
      deliberate: 'kubectl then asks for a username and password on stdin (its legacy basic-auth prompt); we connect without credentials and let the server answer',
      build: (dir, s) => ({ files: [writeKubeconfig(path.join(dir, 'config'), config({ clusters: [cluster('c', s.url, ca(s))], contexts: [context('x', 'c', 'ghost')], current: 'x' }))] }),
    },
  ];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { env, cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code as number) : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(); // nothing to answer a prompt with, as in a script
  });
}

interface ViewConfig {
  'current-context'?: string;
  clusters?: { cluster: { server?: string; 'certificate-authority-data'?: string } }[];
  users?: { user: { 'client-certificate-data'?: string } }[];
}

const unique = (r: Recorded[]) => [...new Map(r.map((x) => [JSON.stringify(x), x])).values()];
const decode = (b64: string | undefined) => (b64 ? Buffer.from(b64, 'base64').toString() : undefined);

describe('kubeconfig loading against the real kubectl', { timeout: 180_000 }, () => {
  let server: RecordingServer;
  const elsewhere = tmpDir('okd-kubeconfig-cwd-');

  before(async () => {
    server = await startRecordingServer();
  });
  after(async () => {
    await server?.stop();
  });

  for (const c of cases()) {
    it(c.name, async () => {
      const built = c.build(tmpDir(), server);
      const home = tmpDir('okd-kubectl-home-');
      const env: NodeJS.ProcessEnv = { HOME: home, KUBECONFIG: built.files.join(path.delimiter), PATH: [...(built.pathDirs ?? []), process.env['PATH'] ?? ''].join(path.delimiter) };
      const ctx = built.context ? ['--context', built.context] : [];
      const view = await run(KUBECTL, ['config', 'view', '--merge', '--minify', '--raw', '-o', 'json', ...ctx], env, elsewhere);
      const flat = await run(KUBECTL, ['config', 'view', '--merge', '--minify', '--raw', '--flatten', '-o', 'json', ...ctx], env, elsewhere);
      server.take();
      const request = await run(KUBECTL, ['get', '--raw', '/version', ...ctx], env, elsewhere);
      const kubectlSent = unique(server.take());
      const kubectlOk = view.code === 0 && request.code === 0;

      let ours: { context: string; server: string; ca?: string; cert?: string; sent: Recorded[] } | undefined;
      let ourError: Error | undefined;
      try {
        const loaded = await loadKubeconfig({ env, ...(built.context ? { context: built.context } : {}), terminal: false, execStderr: () => undefined });
        await loaded.obtainCredentials();
        const opts: { ca?: Buffer; cert?: Buffer | string } = {};
        await loaded.kubeConfig.applyToHTTPSOptions(opts as never);
        await new ApiRequester(loaded.kubeConfig, 10_000).getJson('/version', {}, AbortSignal.timeout(10_000));
        ours = { context: loaded.context, server: loaded.server, ...(opts.ca ? { ca: opts.ca.toString() } : {}), ...(opts.cert ? { cert: opts.cert.toString() } : {}), sent: unique(server.take()) };
      } catch (err) {
        ourError = err as Error;
        server.take();
      }
      const both = `kubectl: view ${view.code} ${view.stderr.trim()} / request ${request.code} ${request.stderr.trim()}\nours: ${ourError ? ourError.message : JSON.stringify(ours)}`;

      if (c.deliberate) {
        assert.ok(!kubectlOk && ours, `expected kubectl to refuse and us to accept (${c.deliberate}): ${both}`);
        return;
      }
      if (!kubectlOk) {
        assert.ok(ourError, `kubectl fails here, we do not: ${both}`);
        return;
      }
      assert.ok(ours, `kubectl succeeds here, we do not: ${both}`);
      const viewed = JSON.parse(view.stdout) as ViewConfig;
      const flattened = JSON.parse(flat.stdout) as ViewConfig;
      assert.equal(ours.context, viewed['current-context'], both);
      assert.equal(ours.server, viewed.clusters?.[0]?.cluster.server, both);
      assert.equal(ours.ca, decode(flattened.clusters?.[0]?.cluster['certificate-authority-data']), 'CA as kubectl resolves it');
      assert.equal(ours.cert, decode(flattened.users?.[0]?.user['client-certificate-data']), 'client certificate as kubectl resolves it');
      assert.deepEqual(ours.sent, kubectlSent, `the request and its Authorization: ${both}`);
    });
  }
});
