/**
 * bench/release-info-floor: the least a cold `okd-dev release info` has to do with this project's stack (Node,
 * node:http, zlib, tar-stream), with nothing else: no CLI parsing, no cache, no auth, no output formatting.
 *
 *   node bench/release-info-floor.js 127.0.0.1:PORT/REPOSITORY:TAG
 *
 * Plain CommonJS so that it runs as is, without tsx or a bundle. GETs /v2/, the manifest by tag, the config blob and
 * the top layer over plain http (one keep-alive connection), checks the top layer's sha256 against its digest while
 * gunzipping it and walking the tar, keeps the text of the files under release-manifests/ and prints how many.
 * bench/release-info.ts times it as the floor for any Node CLI here.
 */
'use strict';
const crypto = require('node:crypto');
const http = require('node:http');
const zlib = require('node:zlib');
const { pipeline } = require('node:stream/promises');
const tar = require('tar-stream');

const ACCEPT = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** GET http://host/path; resolves with the response (following one redirect, as a blob GET may answer). */
function get(url, headers = {}, redirects = 3) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
        res.resume();
        resolve(get(new URL(res.headers.location, url).toString(), headers, redirects - 1));
      } else if (status !== 200) {
        res.resume();
        reject(new Error(`GET ${url}: HTTP ${status}`));
      } else resolve(res);
    });
    req.on('error', reject);
  });
}

async function getBytes(url, headers) {
  const res = await get(url, headers);
  const chunks = [];
  for await (const chunk of res) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function main() {
  const pullSpec = process.argv[2];
  const match = /^([^/]+)\/(.+):([^:/@]+)$/.exec(pullSpec ?? '');
  if (!match) throw new Error('usage: node bench/release-info-floor.js HOST/REPOSITORY:TAG');
  const [, host, repository, tag] = match;
  const base = `http://${host}/v2`;

  await getBytes(`${base}/`);
  const manifest = JSON.parse((await getBytes(`${base}/${repository}/manifests/${tag}`, { accept: ACCEPT })).toString('utf8'));
  const config = JSON.parse((await getBytes(`${base}/${repository}/blobs/${manifest.config.digest}`)).toString('utf8'));
  if (!config.config) throw new Error('config blob without a config');
  const top = manifest.layers[manifest.layers.length - 1];
  if (!top || !top.digest.startsWith('sha256:')) throw new Error('no sha256 top layer');

  const files = new Map();
  const hash = crypto.createHash('sha256');
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (header.type !== 'file' || !name.startsWith('release-manifests/')) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      files.set(name.slice('release-manifests/'.length), Buffer.concat(chunks).toString('utf8'));
      next();
    });
  });
  const layer = await get(`${base}/${repository}/blobs/${top.digest}`);
  layer.on('data', (chunk) => hash.update(chunk));
  await pipeline(layer, zlib.createGunzip(), extract);
  const digest = `sha256:${hash.digest('hex')}`;
  if (digest !== top.digest) throw new Error(`top layer digest ${digest}, expected ${top.digest}`);
  agent.destroy();
  process.stdout.write(`${files.size}\n`);
}

main().catch((err) => {
  process.stderr.write(`release-info-floor: ${err && err.stack ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
