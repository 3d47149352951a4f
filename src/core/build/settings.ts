import type { ContainerToolSettings, RegistryAccess } from './container';
import type { ContainerTool } from './tools';

/** How the dev loop builds: `append` (the fast path, no container engine) or a container tool. */
export type Builder = 'append' | ContainerTool;
export const BUILDERS: readonly Builder[] = ['append', 'podman', 'buildah', 'docker'];

/** Build settings (okd.devLoop.* in the editor, flags in the CLI). */
export interface BuildSettings {
  /** Default `append`; `auto` picks the first container tool on PATH. */
  builder?: Builder | 'auto';
  /** argv with {output} and {package}; default `go build -o {output} {package}`. */
  buildCommand?: string[];
  /** Extra environment for the build command (GOFLAGS, GOCACHE...). */
  buildEnv?: Record<string, string>;
  /** Fast path: gzip level of the new layer (1-9); default DEFAULT_LAYER_GZIP_LEVEL. */
  layerGzipLevel?: number;
  /** Where the binary goes in the image; default the component image's entrypoint. */
  binaryPath?: string;
  /** Container builds: the Dockerfile (relative to the repository); default the best one found (OKD first). */
  dockerfile?: string;
  /** Container builds: `--build-arg`s, e.g. {TAGS: 'scos'}. */
  buildArgs?: Record<string, string>;
  /** Container builds: replaces the final stage's base image (a temporary copy of the Dockerfile is built). */
  baseImage?: string;
  /** Container builds: replaces the image of every builder stage. */
  builderImage?: string;
  /** Container builds: run the build command on this machine first (Dockerfiles that COPY a prebuilt binary). */
  prebuild?: boolean;
  /** Container builds: push with the tool (default) or with our registry client from the tool's OCI output. */
  pushWith?: 'tool' | 'client';
  tool?: ContainerToolSettings;
  /** podman/buildah registry flags (TLS, auth file, credentials). */
  access?: RegistryAccess;
}
