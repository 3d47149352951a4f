// Runs a kubeconfig exec credential plugin as client-go's exec authenticator does: argv (never a shell), the
// kubeconfig's env on top of ours, KUBERNETES_EXEC_INFO, stdin only when the plugin may be interactive, its stderr
// shown to the user (a plugin asking for a password or showing a login URL writes there), and the ExecCredential
// on stdout checked the same way.
import { spawn } from 'node:child_process';
import { OkdError } from '../errors';
import type { ExecConfig, KubeconfigCluster } from './kubeconfig-file';

export interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** Epoch ms; absent: valid until the server refuses it. */
  expiresAt?: number;
}

export interface ExecRunOptions {
  /** Standard input is a terminal the plugin may prompt on (the CLI: process.stdin.isTTY; the editor: never). */
  terminal: boolean;
  /** Where the plugin's stderr goes: the user's terminal as it is, or line by line to the editor's log. */
  stderr: 'inherit' | ((line: string) => void);
  env?: NodeJS.ProcessEnv;
  cluster?: KubeconfigCluster;
}

const INSTALL_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins';
const OLD_VERSIONS = new Set(['client.authentication.k8s.io/v1alpha1', 'client.authentication.k8s.io/v1beta1']);
const MODES = new Set(['Never', 'IfAvailable', 'Always']);

/** clientcmd's validateAuthInfo for an exec stanza: the messages kubectl prints, made into errors a user can act on. */
export function checkExecConfig(user: string, exec: ExecConfig): void {
  const fix = (what: string) => new OkdError('invalid-input', `user "${user}" in the kubeconfig: ${what}`, 'fix the exec section of that user (kubectl refuses it too)');
  if (!exec.command) throw fix('exec has no command');
  if (!exec.apiVersion) throw fix('exec has no apiVersion');
  if (exec.env?.some((e) => !e.name)) throw fix('an exec env entry has no name');
  // The kubeconfig's v1 conversion defaults interactiveMode for the old plugin versions only.
  const mode = execInteractiveMode(exec);
  if (!mode) throw fix(`exec needs interactiveMode (Never, IfAvailable or Always) with apiVersion ${exec.apiVersion}`);
  if (!MODES.has(mode)) throw fix(`exec interactiveMode "${mode}" is not one of Never, IfAvailable, Always`);
}

export function execInteractiveMode(exec: ExecConfig): string | undefined {
  return exec.interactiveMode || (exec.apiVersion && OLD_VERSIONS.has(exec.apiVersion) ? 'IfAvailable' : undefined);
}

function execInfo(exec: ExecConfig, interactive: boolean, cluster: KubeconfigCluster | undefined): string {
  const spec: Record<string, unknown> = { interactive };
  if (exec.provideClusterInfo && cluster) {
    spec['cluster'] = {
      server: cluster.server,
      ...(cluster.tlsServerName ? { 'tls-server-name': cluster.tlsServerName } : {}),
      ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(cluster.caData ? { 'certificate-authority-data': cluster.caData } : {}),
      ...(cluster.proxyUrl ? { 'proxy-url': cluster.proxyUrl } : {}),
    };
  }
  return JSON.stringify({ kind: 'ExecCredential', apiVersion: exec.apiVersion, spec });
}

/** Runs the plugin of kubeconfig user `user` and returns the credential it printed. */
export function runExecPlugin(user: string, exec: ExecConfig, options: ExecRunOptions): Promise<ExecCredentialStatus> {
  try {
    checkExecConfig(user, exec);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  const mode = execInteractiveMode(exec);
  if (mode === 'Always' && !options.terminal) {
    return Promise.reject(new OkdError('unauthorized', `the credential plugin of user "${user}" (${exec.command}) needs a terminal (interactiveMode: Always), and there is none`, 'run the command from a terminal, or log in with `oc login` first'));
  }
  const interactive = mode !== 'Never' && options.terminal;
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  for (const e of exec.env ?? []) env[e.name] = e.value;
  env['KUBERNETES_EXEC_INFO'] = execInfo(exec, interactive, options.cluster);
  const what = `the credential plugin of user "${user}" (${exec.command})`;
  return new Promise<ExecCredentialStatus>((resolve, reject) => {
    const child = spawn(exec.command, exec.args ?? [], { env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', options.stderr === 'inherit' ? 'inherit' : 'pipe'] });
    let stdout = '';
    const tail: string[] = [];
    let partial = '';
    const onLine = typeof options.stderr === 'function' ? options.stderr : undefined;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) {
        onLine?.(line);
        tail.push(line);
        if (tail.length > 5) tail.shift();
      }
    });
    let spawnError: NodeJS.ErrnoException | undefined;
    child.on('error', (err: NodeJS.ErrnoException) => (spawnError = err));
    child.on('close', (code, signal) => {
      if (partial) {
        onLine?.(partial);
        tail.push(partial);
      }
      if (spawnError) {
        const missing = spawnError.code === 'ENOENT';
        return reject(
          new OkdError(
            missing ? 'not-found' : 'failed',
            missing ? `${what} is not installed (executable not found)` : `${what} could not be started: ${spawnError.message}`,
            exec.installHint ? exec.installHint.trim() : missing ? `install it, or see ${INSTALL_DOC}` : undefined,
          ),
        );
      }
      if (code !== 0) {
        const said = tail.filter((l) => l.trim()).slice(-2).join(' / ');
        const where = options.stderr === 'inherit' ? ' (its messages are above)' : said ? `: ${said}` : '';
        return reject(new OkdError('unauthorized', `${what} failed with ${signal ? `signal ${signal}` : `exit code ${code}`}${where}`, 'log in again (the plugin decides how), or check the exec section of the kubeconfig'));
      }
      try {
        resolve(parseExecCredential(stdout, exec.apiVersion ?? ''));
      } catch (err) {
        reject(new OkdError('unauthorized', `${what} printed no usable credential: ${(err as Error).message}`, 'check the plugin, or log in again'));
      }
    });
  });
}

/** The checks client-go makes on a plugin's ExecCredential. */
export function parseExecCredential(stdout: string, apiVersion: string): ExecCredentialStatus {
  let cred: { apiVersion?: string; kind?: string; status?: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string } };
  try {
    cred = JSON.parse(stdout) as typeof cred;
  } catch {
    throw new Error('its output is not JSON');
  }
  if (cred.apiVersion !== apiVersion) throw new Error(`it is configured for ${apiVersion} and returned ${cred.apiVersion ?? 'no apiVersion'}`);
  const s = cred.status;
  if (!s) throw new Error('it returned no status');
  if (!s.token && !s.clientCertificateData && !s.clientKeyData) throw new Error('it returned neither a token nor a certificate and key');
  if (!s.clientCertificateData !== !s.clientKeyData) throw new Error('it returned only one of certificate and key');
  const expiresAt = s.expirationTimestamp ? Date.parse(s.expirationTimestamp) : undefined;
  return {
    ...(s.token ? { token: s.token } : {}),
    ...(s.clientCertificateData && s.clientKeyData ? { clientCertificateData: s.clientCertificateData, clientKeyData: s.clientKeyData } : {}),
    ...(expiresAt !== undefined && !Number.isNaN(expiresAt) ? { expiresAt } : {}),
  };
}
