// A small operator repository for the dev loop tests: our own Go main (std lib only, so builds need no network)
// that logs its version, a go.mod, Dockerfiles whose base comes from the loopback registry, and a git checkout
// whose remote is a payload component's io.openshift.build.source-location.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildLayer } from '../../../src/core/image/layer';
import { pushImage } from '../../../src/core/image/push';
import type { RegistryClient } from '../../../src/core/registry/client';
import { MediaTypes } from '../../../src/core/registry/types';

export const SAMPLE_COMPONENT = 'cluster-image-registry-operator';
export const SAMPLE_REMOTE = 'https://github.com/openshift/cluster-image-registry-operator';

export interface SampleOperator {
  dir: string;
  component: string;
  /** GOCACHE/GOPATH in temp folders, GOFLAGS for offline builds. */
  goEnv: Record<string, string>;
  /** The one-line change: sets the version the operator logs. */
  setVersion(version: string): void;
  commit(message: string): string;
  remove(): void;
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=OKD Dev Test', '-c', 'user.email=okd-dev@example.com', '-c', 'init.defaultBranch=main', ...args], { encoding: 'utf8' }).trim();
}

function mainGo(component: string, version: string): string {
  return `package main

import (
	"log"
	"os"
	"os/signal"
	"syscall"
)

const version = "${version}"

func main() {
	log.Printf("${component} version %s starting", version)
	if len(os.Args) > 1 && os.Args[1] == "version" {
		return
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	<-stop
	log.Printf("${component} version %s stopping", version)
}
`;
}

/** A base image for the Dockerfiles, holding the same layer as the component images (so layers are shared). */
export async function pushSampleBase(client: RegistryClient, registry: string, repository = 'okd/base'): Promise<string> {
  // The same bytes as pushComponentImages' shared base layer: built the same way, so the same digest.
  const base = await buildLayer([{ path: 'etc/os-release', content: Buffer.from('NAME="CentOS Stream"\nVERSION="9"\nID="centos"\n') }]);
  const pushed = await pushImage(client, registry, repository, 'stream9', {
    format: 'oci',
    config: {
      created: '2026-11-01T10:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: [base.diffId] },
      history: [{ created: '2026-11-01T10:00:00Z', created_by: 'okd-dev test base (CentOS Stream 9 stand-in)' }],
    },
    layers: [{ descriptor: { mediaType: MediaTypes.ociLayerGzip, digest: base.digest, size: base.size }, diffId: base.diffId, data: base.data }],
  });
  return `${registry}/${repository}@${pushed.digest}`;
}

export interface SampleOptions {
  component?: string;
  remote?: string;
  /** FROM of the Dockerfiles; a pullspec in the loopback registry. */
  baseImage: string;
  version?: string;
  /** Shared Go cache folder (warm builds across samples); default a new temp folder. */
  goCache?: string;
}

/** Creates the checkout in a temp folder: committed, with `origin` set to the component's source location. */
export function createSampleOperator(options: SampleOptions): SampleOperator {
  const component = options.component ?? SAMPLE_COMPONENT;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-sample-operator-'));
  const goRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-sample-go-'));
  const goEnv = {
    GOCACHE: options.goCache ?? path.join(goRoot, 'cache'),
    GOPATH: path.join(goRoot, 'path'),
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    GO111MODULE: 'on',
  };
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  write('go.mod', `module github.com/openshift/${component}\n\ngo 1.19\n`);
  write(`cmd/${component}/main.go`, mainGo(component, options.version ?? 'v0.0.1'));
  // What the OKD build uses: the binary built on this machine (see --prebuild), copied onto the base.
  write(
    'Dockerfile.okd',
    `FROM ${options.baseImage}\nCOPY ${component} /usr/bin/${component}\nENTRYPOINT ["/usr/bin/${component}"]\nLABEL io.openshift.release.operator=true\n`,
  );
  write('Dockerfile', `FROM registry.ci.openshift.org/ocp/4.20:base-rhel9\nCOPY ${component} /usr/bin/${component}\nENTRYPOINT ["/usr/bin/${component}"]\n`);
  write('.gitignore', `/${component}\n`);
  write('manifests/image-references', `kind: ImageStream\napiVersion: image.openshift.io/v1\nspec:\n  tags:\n  - name: ${component}\n    from:\n      kind: DockerImage\n      name: docker.io/openshift/origin-${component}:latest\n`);
  git(dir, ['init', '-q']);
  git(dir, ['remote', 'add', 'origin', options.remote ?? SAMPLE_REMOTE]);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'sample operator']);
  return {
    dir,
    component,
    goEnv,
    setVersion(version) {
      write(`cmd/${component}/main.go`, mainGo(component, version));
    },
    commit(message) {
      git(dir, ['commit', '-q', '-a', '-m', message]);
      return git(dir, ['rev-parse', 'HEAD']);
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(goRoot, { recursive: true, force: true });
    },
  };
}
