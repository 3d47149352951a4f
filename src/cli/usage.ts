/** Thrown for a command line that does not fit a command: exit code 2, with the command's usage. */
export class UsageError extends Error {
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const mainUsage = `okd-dev: release payloads, clusters and the operator inner loop for OKD developers

Usage:
  okd-dev release info [PULLSPEC...] [--changes-from OLD] [--pullspecs|--commits|--commit-urls|--operators|--size|--contents|--verify|--image-for NAME]
                       [-o json|name|pullspec|digest] [--include-images]
  okd-dev release info TAG|PULLSPEC --results [--stream STREAM] [--controller URL] [-o json]
  okd-dev release upgrades [--channel CHANNEL] [--from VERSION] [--to VERSION] [--controller URL] [-o json]
  okd-dev release diff FROM TO [--commits] [--changelog] [-o json|markdown]
  okd-dev release new --from-release OLD NAME=IMAGE... --to-image NEW [--name NAME] [--force] [-o json]
  okd-dev release build --from-release OLD --to-image NEW DIR... [--arch ARCH] [--jobs N] [-o json]
  okd-dev release extract --command=openshift-install|oc PULLSPEC [--command-os OS[/ARCH]] [--to DIR] [-o json]
  okd-dev cluster status [-o json]
  okd-dev cluster override list|add|remove [TYPE/NAMESPACE/NAME] [--group GROUP]
  okd-dev cluster patch OPERATOR IMAGE [--no-wait] [--timeout SECONDS]
  okd-dev cluster restore OPERATOR|--all [--no-wait] [--timeout SECONDS]
  okd-dev cluster upgrade --to-image PULLSPEC [--no-wait] [--timeout SECONDS]
  okd-dev cluster apply-manifests [DIR] [--component NAME] [--dry-run] [-o json]
  okd-dev cluster restore-manifests COMPONENT [--no-wait] [--timeout SECONDS] [-o json]
  okd-dev cluster can-pull IMAGE [--namespace NS --service-account SA | COMPONENT] [-o json]
  okd-dev dev loop [--path DIR] [--builder append|podman|buildah|docker] [--to REPO] [--release PULLSPEC] [--no-patch]
  okd-dev dev which [--path DIR] [--release PULLSPEC] [-o json]

Registry options (every command that reads a registry):
  -a, --registry-config FILE   the only credentials file read (default: REGISTRY_AUTH_FILE, else podman's and docker's files and credential helpers)
      --insecure               allow plain http and unverified TLS
      --ca-file FILE           trust this CA for registry TLS
      --filter-by-os OS/ARCH   the platform to read from a multi-arch payload (default linux/amd64)
      --registries-conf FILE   mirrors, insecure and blocked registries (default: CONTAINERS_REGISTRIES_CONF, else
                               ~/.config/containers/registries.conf or /etc/containers/registries.conf, and their .d)
      --idms-file FILE         ImageDigestMirrorSet: mirrors for pulls by digest, tried when the source fails (as oc)
      --icsp-file FILE         ImageContentSourcePolicy: the same, from spec.repositoryDigestMirrors
                               Registry TLS: CAs (*.crt) and client certificates (*.cert + *.key) in
                               ~/.config/containers/certs.d/HOST[:PORT]/, /etc/containers/certs.d/..., /etc/docker/certs.d/...

Cluster options (every cluster command):
      --kubeconfig FILE        the kubeconfig (default: KUBECONFIG, else ~/.kube/config, as kubectl)
      --context NAME           the kubeconfig context (default: its current-context)

Other options:
  -v, --verbose                log requests to stderr
  -h, --help                   this help

Environment: OKD_DEV_CACHE_DIR (cache folder, default $XDG_CACHE_HOME/okd-dev).
Exit codes: 0 success, 1 an error you can act on, 2 a usage error.`;
