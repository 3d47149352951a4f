/**
 * A Go builder image in a podman store, for benches that build an operator the way its repository's Dockerfile does
 * (`FROM …/ocp/builder:rhel-9-golang-… AS builder`, `COPY . .`, `RUN go build`, then a runtime stage that copies the
 * binary). The image is this machine's Go toolchain (GOROOT) with an empty /tmp and HOME, imported with `podman
 * import`: what a developer has after pulling the builder image once, so the bench never counts that pull.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { globalArgs, type ContainerToolSettings } from '../src/core/build/container';

export const GOLANG_BUILDER_IMAGE = 'localhost/okd-bench/golang-builder:local';

/** The builder stage as OKD operator repositories write it; the bench swaps FROM for the local image (builderImage). */
export function multiStageDockerfile(component: string): string {
  const src = `/go/src/github.com/openshift/${component}`;
  return [
    'FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.24-openshift-4.20 AS builder',
    `WORKDIR ${src}`,
    'COPY . .',
    // Exec form: the stand-in builder has Go but no shell.
    `RUN ["go", "build", "-o", "${src}/_output/${component}", "./cmd/${component}"]`,
    '',
    'FROM registry.ci.openshift.org/ocp/4.20:base-rhel9',
    `COPY --from=builder ${src}/_output/${component} /usr/bin/${component}`,
    `ENTRYPOINT ["/usr/bin/${component}"]`,
    'LABEL io.openshift.release.operator=true',
    '',
  ].join('\n');
}

/** Imports GOROOT as GOLANG_BUILDER_IMAGE into the podman store of `settings`. */
export async function importGolangBuilder(settings: ContainerToolSettings): Promise<void> {
  const goroot = await goEnv('GOROOT');
  const skeleton = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-bench-builder-'));
  try {
    for (const dir of ['tmp', 'root', 'go/src']) fs.mkdirSync(path.join(skeleton, dir), { recursive: true });
    const changes = [
      `ENV PATH=${goroot}/bin:/usr/local/bin:/usr/bin:/bin`,
      'ENV HOME=/root',
      'ENV GOPATH=/go',
      'ENV GOTOOLCHAIN=local',
      'ENV GOFLAGS=-mod=mod',
      'ENV GOPROXY=off',
      'ENV CGO_ENABLED=0',
    ].flatMap((c) => ['--change', c]);
    const tar = spawn('tar', ['-c', '-C', '/', goroot.replace(/^\//, ''), '-C', skeleton, 'tmp', 'root', 'go'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const podman = spawn('podman', [...globalArgs('podman', settings), 'import', ...changes, '-', GOLANG_BUILDER_IMAGE], { stdio: ['pipe', 'ignore', 'inherit'] });
    tar.stdout.pipe(podman.stdin);
    await Promise.all([exited(tar, 'tar'), exited(podman, 'podman import')]);
  } finally {
    fs.rmSync(skeleton, { recursive: true, force: true });
  }
}

async function goEnv(name: string): Promise<string> {
  const child = spawn('go', ['env', name], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await exited(child, 'go env');
  return out.trim();
}

function exited(child: ReturnType<typeof spawn>, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited with ${code}`))));
  });
}
