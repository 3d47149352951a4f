/**
 * Reading pull request numbers and issue references out of commit messages, with the rules `oc adm release info
 * --changelog` uses (openshift/oc pkg/cli/admin/release/git.go and bug.go), so both tools list the same changes.
 */

export type RefSource = 'bugzilla' | 'jira';

export interface IssueRef {
  id: string;
  source: RefSource;
  url: string;
}

const BUGZILLA_URL = 'https://bugzilla.redhat.com/show_bug.cgi?id=';
const JIRA_URL = 'https://issues.redhat.com/browse/';

/** `Merge pull request #123 from user/branch`: GitHub's merge commit subject. */
const MERGE_PR = /^Merge pull request #(\d+) from/;
/** `Fix the thing (#123)`: GitHub's squash-merge subject. */
const SQUASH_PR = /[(]#(\d+)[)]/;
/** `[release-4.19] ` and the like before the title. */
const BRANCH_PREFIX = /^(\[[\w.-]+\]\s*)+/;
/** `Bug 123,456: title` / `Bugs 1 2- title`. */
const BUGZILLA = /^[B|b]ug(?:s)?\s([\d\s,]+)(?:-|:)\s*/;
/** `OCPBUGS-12, API-3: title`. */
const JIRA = /^([A-Z]+-\d+[\s,]*)+(?:-|:)\s*/;

/** The pull request number of a merge commit's subject, or of a squash-merged commit's subject. */
export function pullRequestOf(subject: string, squash: boolean): number | undefined {
  const match = (squash ? SQUASH_PR : MERGE_PR).exec(subject);
  return match ? Number(match[1]) : undefined;
}

/**
 * The issue references a title starts with (after any `[branch]` prefixes) and the title without them. Only the
 * leading list counts, as in oc: `OCPBUGS-1: fix` has one, `fix OCPBUGS-1` none.
 */
export function extractRefs(message: string): { refs: IssueRef[]; rest: string } {
  const msg = message.trim().replace(BRANCH_PREFIX, '');
  if (!msg) return { refs: [], rest: '' };
  let source: RefSource = 'bugzilla';
  let match = BUGZILLA.exec(msg);
  let list = match?.[1] ?? '';
  if (!match) {
    match = JIRA.exec(msg);
    if (!match) return { refs: [], rest: msg };
    source = 'jira';
    list = match[0].trim().replace(/:$/, '').replace(/-$/, '');
  }
  const refs: IssueRef[] = [];
  for (const id of list.split(/[\s,]+/)) {
    if (!id) continue;
    refs.push({ id, source, url: (source === 'jira' ? JIRA_URL : BUGZILLA_URL) + id });
  }
  refs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { refs, rest: msg.slice(match[0].length) };
}

/** What one logged commit says: its title (first line, references taken off) and what it refers to. */
export interface CommitMessage {
  title: string;
  pullRequest?: number;
  refs: IssueRef[];
}

/**
 * A merge commit's title is its body's first line (the PR title); a squash-merged commit's is its subject, whose
 * trailing `(#N)` is dropped here because the number is shown as the link.
 */
export function parseCommitMessage(subject: string, body: string, squash: boolean): CommitMessage {
  const pullRequest = pullRequestOf(subject, squash);
  const { refs, rest } = extractRefs(squash ? subject : body);
  let title = (rest.trim().split('\n', 1)[0] ?? '').trim();
  if (squash && pullRequest !== undefined) title = title.replace(new RegExp(`\\s*\\(#${pullRequest}\\)\\s*$`), '');
  // oc says `Merge` for a merge without a body; its subject says more (`Merge pull request #12 from ...`).
  if (!title) title = subject.trim();
  return { title, ...(pullRequest !== undefined ? { pullRequest } : {}), refs };
}
