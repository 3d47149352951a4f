import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { loadKubeconfig } from '../../src/core/cluster/kubeconfig';
import { ApiRequester } from '../../src/core/cluster/request';
import { httpRequest, setProxySettings } from '../../src/core/http';
import { ProxyError } from '../../src/core/proxyAgent';
import { ReleaseControllerClient } from '../../src/core/releasecontroller/client';
import { eventually } from '../support/eventually';
import { type Squid, startSquid } from '../support/proxy';
import { makeSelfSignedCert } from '../support/registry';

// The clients the editor uses, through a real proxy (squid): the release controller client with the settings the
// editor's http.proxy gives (setProxySettings), and the cluster client with a kubeconfig `proxy-url`.
const controllerName = 'controller.okd-proxy.test';
const editorSource = 'the http.proxy setting';

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

describe('the editor\'s clients through an HTTP proxy (squid)', () => {
  let squid: Squid;
  let authSquid: Squid;
  let controller: http.Server;
  let controllerPort: number;

  before(async () => {
    controller = http.createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/api/v1/releasestream/4-scos-next/tags') {
        res.end(JSON.stringify({ name: '4-scos-next', tags: [{ name: '4.20.0-okd-scos.ec.1', phase: 'Accepted', pullSpec: 'quay.io/okd/scos-release:4.20.0-okd-scos.ec.1' }] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    controllerPort = await listen(controller);
    [squid, authSquid] = await Promise.all([
      startSquid({ names: [controllerName] }),
      startSquid({ names: [controllerName], credentials: { user: 'editor', password: 'pw' } }),
    ]);
  });

  afterEach(() => setProxySettings(undefined));

  after(async () => {
    setProxySettings(undefined);
    await Promise.all([squid?.stop(), authSquid?.stop(), new Promise((r) => controller?.close(r))]);
  });

  it('lists a release stream through the proxy of the http.proxy setting (absolute-form GET)', async () => {
    setProxySettings({ httpProxy: squid.url, httpsProxy: squid.url, httpProxySource: editorSource, httpsProxySource: editorSource });
    const client = new ReleaseControllerClient(`http://${controllerName}:${controllerPort}`);
    const stream = await client.streamTags('4-scos-next');
    assert.deepEqual(stream.tags.map((t) => t.name), ['4.20.0-okd-scos.ec.1']);
    assert.ok(squid.accessLog().some((line) => line.includes(` GET http://${controllerName}:${controllerPort}/api/v1/releasestream/4-scos-next/tags `)), squid.accessLog().join('\n'));
  });

  it('goes direct for a host in the setting\'s noProxy list', async () => {
    const before = squid.accessLog().length;
    setProxySettings({ httpProxy: squid.url, httpProxySource: editorSource, noProxy: '127.0.0.0/8' });
    // A loopback IP is never proxied; the name is, unless listed.
    const direct = await httpRequest(`http://127.0.0.1:${controllerPort}/api/v1/releasestream/4-scos-next/tags`, { method: 'GET' });
    direct.body.resume();
    assert.equal(direct.status, 200);
    setProxySettings({ httpProxy: `http://127.0.0.1:1`, httpProxySource: editorSource, noProxy: `.okd-proxy.test` });
    await assert.rejects(httpRequest(`http://${controllerName}:${controllerPort}/`, { method: 'GET' }), (err: NodeJS.ErrnoException) => {
      // Direct: this machine cannot resolve the name (only the proxy can), so the failure is a lookup, not the proxy.
      assert.ok(!(err instanceof ProxyError), String(err));
      assert.match(err.code ?? '', /ENOTFOUND|EAI_AGAIN/);
      return true;
    });
    assert.equal(squid.accessLog().length, before);
  });

  it('turns a 407 to a plain-http request into the proxy\'s error, and the release controller names the proxy', async () => {
    setProxySettings({ httpProxy: authSquid.url, httpProxySource: editorSource });
    await assert.rejects(httpRequest(`http://${controllerName}:${controllerPort}/`, { method: 'GET' }), (err: unknown) => {
      assert.ok(err instanceof ProxyError, String(err));
      assert.equal(err.status, 407);
      assert.match(err.describe(), new RegExp(`proxy http://127\\.0\\.0\\.1:${authSquid.port} \\(from the http\\.proxy setting\\) asks for credentials \\(407 Proxy Authentication Required\\) for GET to ${controllerName}:${controllerPort}`));
      return true;
    });
    const client = new ReleaseControllerClient(`http://${controllerName}:${controllerPort}`);
    await assert.rejects(client.streamTags('4-scos-next'), /release controller \S+, GET \S+: proxy http:\/\/127\.0\.0\.1:\d+ \(from the http\.proxy setting\) asks for credentials/);
    setProxySettings({ httpProxy: `http://editor:pw@127.0.0.1:${authSquid.port}`, httpProxySource: editorSource });
    assert.equal((await client.streamTags('4-scos-next')).tags.length, 1);
    assert.ok(authSquid.accessLog().some((line) => line.includes(` GET http://${controllerName}:${controllerPort}/api/v1/releasestream/4-scos-next/tags editor `)), authSquid.accessLog().join('\n'));
  });

  it('reaches the API server through the kubeconfig proxy-url (client-node\'s agent, used by ApiRequester and the API clients)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-proxy-kube-'));
    const cert = makeSelfSignedCert(dir);
    const seen: string[] = [];
    const api = https.createServer({ cert: fs.readFileSync(cert.certFile), key: fs.readFileSync(cert.keyFile) }, (req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'openshift-proxied' } }] }));
    });
    const port = await listen(api);
    try {
      const kubeconfig = path.join(dir, 'kubeconfig');
      fs.writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority': cert.certFile, 'proxy-url': squid.url } }],
          users: [{ name: 'u', user: { token: 'sha256~proxied-token' } }],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
          'current-context': 'x',
        }),
      );
      const loaded = await loadKubeconfig({ kubeconfig });
      await loaded.obtainCredentials();
      const list = await new ApiRequester(loaded.kubeConfig).getJson<{ items: { metadata: { name: string } }[] }>('/api/v1/namespaces', {}, new AbortController().signal);
      assert.equal(list.items[0]?.metadata.name, 'openshift-proxied');
      assert.deepEqual(seen, ['GET /api/v1/namespaces Bearer sha256~proxied-token']);
      // client-go proxies a proxy-url cluster even on loopback, and so does client-node: the tunnel is in the log
      // once it closes.
      const { CoreV1Api } = await import('@kubernetes/client-node');
      const core = loaded.kubeConfig.makeApiClient(CoreV1Api);
      assert.equal((await core.listNamespace()).items.length, 1);
      await new Promise<void>((resolve) => {
        api.closeAllConnections();
        api.close(() => resolve());
      });
      await eventually(() => squid.accessLog().filter((line) => line.includes(` CONNECT 127.0.0.1:${port} `)).length >= 1, 5_000, 'CONNECT lines for the API server');
    } finally {
      api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
