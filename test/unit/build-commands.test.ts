import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { describeCommand, redactSecrets } from '../../src/core/build/command';
import { containerBuildCommand, containerPushCommand, globalArgs, parseDockerPushDigest } from '../../src/core/build/container';
import { buildCommand, findMainPackage } from '../../src/core/build/gobuild';
import { detectContainerTool, which } from '../../src/core/build/tools';
import { OkdError } from '../../src/core/errors';

const vfs = { storageDriver: 'vfs', root: '/tmp/r', runroot: '/tmp/rr', isolation: 'chroot', cgroupManager: 'cgroupfs', eventsBackend: 'file' };

describe('container tool commands as data', () => {
  it('podman build: storage and runtime flags first, build args, labels, isolation, TLS for the FROM registries', () => {
    const cmd = containerBuildCommand('podman', vfs, { insecure: ['127.0.0.1:5000'] }, {
      contextDir: '/src/op',
      dockerfile: '/tmp/x/Dockerfile.okd',
      tag: 'localhost/okd-dev/op:t1',
      buildArgs: { TAGS: 'scos' },
      labels: { 'io.openshift.build.commit.id': 'abc' },
      pullRegistries: ['127.0.0.1:5000'],
    });
    assert.deepEqual(cmd, {
      command: 'podman',
      args: [
        '--storage-driver', 'vfs', '--root', '/tmp/r', '--runroot', '/tmp/rr', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
        'build', '-f', '/tmp/x/Dockerfile.okd', '-t', 'localhost/okd-dev/op:t1', '--build-arg', 'TAGS=scos', '--label', 'io.openshift.build.commit.id=abc',
        '--isolation', 'chroot', '--tls-verify=false', '/src/op',
      ],
    });
  });

  it('buildah gets no podman-only flags; docker gets none of the storage flags', () => {
    assert.deepEqual(globalArgs('buildah', vfs), ['--storage-driver', 'vfs', '--root', '/tmp/r', '--runroot', '/tmp/rr']);
    assert.deepEqual(globalArgs('docker', vfs), []);
    const docker = containerBuildCommand('docker', vfs, { insecure: true }, { contextDir: '.', dockerfile: 'Dockerfile', tag: 'q.io/me/x:1', pullRegistries: ['q.io'] });
    assert.deepEqual(docker.args, ['build', '-f', 'Dockerfile', '-t', 'q.io/me/x:1', '.']);
  });

  it('push: credentials only through an auth file, never on the command line; or to an OCI layout without registry flags', () => {
    const cmd = containerPushCommand('buildah', vfs, { certDir: '/certs', authFile: '/run/user/0/containers/auth.json' }, {
      image: 'localhost/okd-dev/op:t1',
      destination: 'docker://quay.io/me/okd-dev:t1',
      digestFile: '/tmp/d',
      registry: 'quay.io',
    });
    assert.deepEqual(cmd.args.slice(-9), ['push', '--cert-dir', '/certs', '--authfile', '/run/user/0/containers/auth.json', '--digestfile', '/tmp/d', 'localhost/okd-dev/op:t1', 'docker://quay.io/me/okd-dev:t1']);
    assert.ok(!cmd.args.some((a) => a.startsWith('--creds')), 'no password in argv (visible in ps)');
    const oci = containerPushCommand('podman', vfs, { insecure: true, authFile: '/a.json' }, { image: 'i', destination: 'oci:/tmp/l' });
    assert.deepEqual(oci.args.slice(-3), ['push', 'i', 'oci:/tmp/l']);
  });

  it('shows only harmless environment values, and redacts secrets before quoting', () => {
    const shown = describeCommand({ command: 'go', args: ["pa'ss-x1"], env: { CGO_ENABLED: '0', GITHUB_TOKEN: 'ghp_abcdefghijklmnopqrstuvwxyz', GOPROXY: 'https://me:tok@proxy.example' }, secrets: ["pa'ss-x1"] });
    assert.equal(shown, 'CGO_ENABLED=0 GITHUB_TOKEN=… GOPROXY=… go \'<redacted>\'');
  });

  it('redacts secrets, bearer tokens and URL credentials from any line', () => {
    assert.equal(redactSecrets('login with hunter22 ok', ['hunter22']), 'login with <redacted> ok');
    assert.equal(redactSecrets('Authorization: Bearer abcdefghijklmnop'), 'Authorization: Bearer <redacted>');
    assert.equal(redactSecrets('https://me:tok@quay.io/v2/'), 'https://me:<redacted>@quay.io/v2/');
    assert.equal(describeCommand({ command: 'go', args: ['build', '-o', '/tmp/a b'], env: { CGO_ENABLED: '0' } }), "CGO_ENABLED=0 go build -o '/tmp/a b'");
  });

  it('parses the digest docker push prints', () => {
    assert.equal(parseDockerPushDigest(`t1: digest: sha256:${'a'.repeat(64)} size: 1234\n`), `sha256:${'a'.repeat(64)}`);
    assert.equal(parseDockerPushDigest('nothing'), undefined);
  });
});

describe('the build command', () => {
  it('defaults to a static go build of the main package for the image architecture', () => {
    assert.deepEqual(buildCommand({ root: '/src/op', output: '/tmp/b/op', package: './cmd/op', architecture: 'arm64' }), {
      command: 'go',
      args: ['build', '-o', '/tmp/b/op', './cmd/op'],
      cwd: '/src/op',
      env: { CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'arm64' },
    });
    const custom = buildCommand({ root: '/r', output: '/o/bin', package: '', argv: ['make', 'build', 'OUT={output}'], env: { GOFLAGS: '-mod=vendor' } });
    assert.deepEqual([custom.command, ...custom.args], ['make', 'build', 'OUT=/o/bin']);
    assert.equal(custom.env?.GOFLAGS, '-mod=vendor');
  });

  it('finds the main package: cmd/<binary>, else the only one under cmd/, else the root', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-gomain-'));
    const main = (rel: string) => {
      fs.mkdirSync(path.join(root, rel), { recursive: true });
      fs.writeFileSync(path.join(root, rel, 'main.go'), 'package main\n\nfunc main() {}\n');
    };
    try {
      await assert.rejects(findMainPackage(root, ['op']), (err: unknown) => err instanceof OkdError && err.kind === 'not-found');
      main('.');
      assert.equal(await findMainPackage(root, ['op']), '.');
      main('cmd/other');
      assert.equal(await findMainPackage(root, ['op']), './cmd/other');
      main('cmd/op');
      assert.equal(await findMainPackage(root, ['op']), './cmd/op');
      assert.equal(await findMainPackage(root, ['nope', 'other']), './cmd/other');
      fs.writeFileSync(path.join(root, 'cmd', 'lib.go'), 'package cmd\n');
      assert.equal(await findMainPackage(root, ['nope']), '.');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('container tool detection', () => {
  it('takes the first of podman, buildah, docker on PATH, or the chosen one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-path-'));
    try {
      for (const tool of ['buildah', 'docker']) fs.writeFileSync(path.join(dir, tool), '#!/bin/sh\n', { mode: 0o755 });
      fs.writeFileSync(path.join(dir, 'podman'), 'not executable', { mode: 0o644 });
      assert.equal(which('buildah', dir), path.join(dir, 'buildah'));
      assert.equal(detectContainerTool('auto', dir), 'buildah');
      assert.equal(detectContainerTool('docker', dir), 'docker');
      assert.throws(() => detectContainerTool('podman', dir), /podman is not installed/);
      assert.throws(() => detectContainerTool(undefined, '/nonexistent'), /none of podman, buildah or docker/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
