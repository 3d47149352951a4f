import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Builds a source repository the way GitHub leaves one: pull requests merged with `Merge pull request #N from ...`
 * merge commits (the PR title in the body), or squash-merged as `Title (#N)`, then published as a bare repository
 * under a git daemon's base folder (`<base>/<org>/<name>.git`, served as https://github.com/<org>/<name>).
 */
export class SourceRepository {
  readonly work: string;
  readonly bare: string;
  private clock = 1_700_000_000;

  constructor(base: string, readonly name: string) {
    this.work = fs.mkdtempSync(path.join(os.tmpdir(), 'okd-source-'));
    this.bare = path.join(base, `${name}.git`);
    this.git(['init', '--quiet', '--initial-branch=main']);
    this.commit('Initial commit');
  }

  get url(): string {
    return `https://github.com/${this.name}`;
  }

  git(args: string[], cwd = this.work): string {
    this.clock += 60;
    const date = `@${this.clock} +0000`;
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: this.work,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Dev',
        GIT_AUTHOR_EMAIL: 'dev@example.com',
        GIT_COMMITTER_NAME: 'Dev',
        GIT_COMMITTER_EMAIL: 'dev@example.com',
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    }).trim();
  }

  head(ref = 'HEAD'): string {
    return this.git(['rev-parse', ref]);
  }

  /**
   * `count` commits on main changing files spread over `files` paths in 50 folders (a vendor tree), written with
   * `git fast-import` in one go: the size of a real operator repository's history without a process per commit.
   */
  importHistory(count: number, files: number): void {
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      this.clock += 60;
      const message = `Vendor update ${i}\n`;
      const content = `package mod${i % 50}\n\n// revision ${i}\n${'// filler line of a vendored source file\n'.repeat(20 + (i % 40))}`;
      parts.push(
        'commit refs/heads/main',
        `committer Dev <dev@example.com> ${this.clock} +0000`,
        `data ${Buffer.byteLength(message)}`,
        message,
        ...(i === 0 ? [`from ${this.head()}`] : []),
        `M 100644 inline vendor/mod${i % 50}/file${i % files}.go`,
        `data ${Buffer.byteLength(content)}`,
        content,
      );
    }
    execFileSync('git', ['fast-import', '--quiet'], { cwd: this.work, input: parts.join('\n') + '\n', env: { PATH: process.env.PATH, HOME: this.work, GIT_CONFIG_NOSYSTEM: '1' } });
    this.git(['reset', '--quiet', '--hard', 'main']);
  }

  /** A commit on the current branch changing one file; returns its id. */
  commit(subject: string, body = ''): string {
    const file = path.join(this.work, 'CHANGES');
    fs.appendFileSync(file, `${subject}\n`);
    this.git(['add', 'CHANGES']);
    this.git(['commit', '--quiet', '-m', subject, ...(body ? ['-m', body] : [])]);
    return this.head();
  }

  /** A pull request of `commits` merged with a merge commit, as GitHub's merge button does; returns the merge's id. */
  mergePullRequest(number: number, title: string, commits: string[]): string {
    const branch = `pr-${number}`;
    this.git(['checkout', '--quiet', '-b', branch, 'main']);
    for (const c of commits) this.commit(c);
    this.git(['checkout', '--quiet', 'main']);
    this.git(['merge', '--quiet', '--no-ff', branch, '-m', `Merge pull request #${number} from dev/${branch}`, '-m', title]);
    this.git(['branch', '--quiet', '-D', branch]);
    return this.head();
  }

  /** A commit on a branch that is then published and deleted, and collected away on the server: a force-push. */
  lostCommit(subject: string): string {
    this.git(['checkout', '--quiet', '-b', 'lost', 'main']);
    const id = this.commit(subject);
    this.git(['checkout', '--quiet', 'main']);
    this.publish();
    this.git(['branch', '--quiet', '-D', 'lost']);
    this.git(['push', '--quiet', this.bare, ':refs/heads/lost']);
    this.git(['reflog', 'expire', '--expire=now', '--all'], this.bare);
    this.git(['gc', '--quiet', '--prune=now'], this.bare);
    return id;
  }

  /** Pushes every branch and tag to the bare repository the daemon serves (made on first use, filters allowed). */
  publish(): void {
    if (!fs.existsSync(this.bare)) {
      fs.mkdirSync(path.dirname(this.bare), { recursive: true });
      this.git(['init', '--quiet', '--bare', '--initial-branch=main', this.bare]);
      this.git(['config', 'uploadpack.allowFilter', 'true'], this.bare);
    }
    this.git(['push', '--quiet', '--force', this.bare, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
  }

  remove(): void {
    fs.rmSync(this.work, { recursive: true, force: true });
  }
}
