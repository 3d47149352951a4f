import * as fs from 'node:fs';
import * as path from 'node:path';

export interface HelperSecret {
  Username: string;
  Secret: string;
}

export interface HelperState {
  /** server URL (what arrives on stdin) -> the answer. */
  secrets: Record<string, HelperSecret>;
  /** When set, the helper fails: this on stderr, exit code 3. */
  fail?: string;
}

export interface TestCredentialHelper {
  /** The program, `<dir>/docker-credential-<name>`. */
  program: string;
  /** Replaces what the helper answers (a `docker login` into its store). */
  set(state: HelperState): void;
  /** Every call so far: its arguments and what it read on stdin. */
  calls(): { argv: string[]; stdin: string }[];
}

/**
 * Writes a real credential helper program, `docker-credential-<name>`, into `dir` (put `dir` on PATH): a node script
 * speaking the docker-credential-helpers protocol for `get` (server URL on stdin, `{ServerURL, Username, Secret}`
 * on stdout, "credentials not found in native keychain" and exit 1 when it has nothing), logging each call.
 */
export function installCredentialHelper(dir: string, name: string, state: HelperState): TestCredentialHelper {
  fs.mkdirSync(dir, { recursive: true });
  const program = path.join(dir, `docker-credential-${name}`);
  const script = `#!${process.execPath}
const fs = require('node:fs');
const self = process.argv[1];
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', () => {
  fs.appendFileSync(self + '.log', JSON.stringify({ argv: process.argv.slice(2), stdin: input }) + '\\n');
  if (process.argv[2] !== 'get') {
    process.stdout.write('unknown command\\n');
    process.exit(1);
  }
  const state = JSON.parse(fs.readFileSync(self + '.json', 'utf8'));
  if (state.fail) {
    process.stderr.write(state.fail + '\\n');
    process.exit(3);
  }
  const hit = state.secrets[input];
  if (!hit) {
    process.stdout.write('credentials not found in native keychain\\n');
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ ServerURL: input, Username: hit.Username, Secret: hit.Secret }) + '\\n');
});
`;
  const set = (next: HelperState) => fs.writeFileSync(`${program}.json`, JSON.stringify(next));
  set(state);
  fs.writeFileSync(program, script, { mode: 0o755 });
  return {
    program,
    set,
    calls: () =>
      fs.existsSync(`${program}.log`)
        ? fs
            .readFileSync(`${program}.log`, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as { argv: string[]; stdin: string })
        : [],
  };
}
