import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CancellationTokenLike, pause, throwIfCancelled } from '../cancel';

/** A lock older than this whose holder cannot be checked (another host) is taken over. */
const STALE_MS = 30 * 60_000;

interface Holder {
  pid: number;
  host: string;
  at: number;
}

/**
 * Runs `fn` holding `<file>` (a directory made with mkdir, which is atomic) so that two changelogs, in two processes
 * or in one, never clone or fetch into the same repository at once. A lock left by a process that died is taken
 * over; `onWait` is called once when another holder makes this one wait.
 */
export async function withLock<T>(file: string, fn: () => Promise<T>, options: { token?: CancellationTokenLike; onWait?: () => void } = {}): Promise<T> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let waited = false;
  for (;;) {
    throwIfCancelled(options.token, 'waiting for the repository lock');
    try {
      await fs.mkdir(file);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(file)) {
      await fs.rm(file, { recursive: true, force: true });
      continue;
    }
    if (!waited) options.onWait?.();
    waited = true;
    await pause(100, options.token);
  }
  const holder: Holder = { pid: process.pid, host: os.hostname(), at: Date.now() };
  try {
    await fs.writeFile(path.join(file, 'holder.json'), JSON.stringify(holder));
    return await fn();
  } finally {
    await fs.rm(file, { recursive: true, force: true });
  }
}

async function isStale(file: string): Promise<boolean> {
  let holder: Holder;
  try {
    holder = JSON.parse(await fs.readFile(path.join(file, 'holder.json'), 'utf8')) as Holder;
  } catch {
    // Just made, holder not written yet; or damaged. Judge by the directory's age.
    const st = await fs.stat(file).catch(() => undefined);
    return st !== undefined && Date.now() - st.mtimeMs > 60_000;
  }
  if (holder.host !== os.hostname()) return Date.now() - holder.at > STALE_MS;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
