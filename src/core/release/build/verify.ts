import { parsePullspec } from '../../pullspec';
import type { ReleaseDiff } from '../diff';

function digestOf(pullSpec: string): string {
  try {
    return parsePullspec(pullSpec).digest ?? pullSpec;
  } catch {
    return pullSpec;
  }
}

/**
 * What is wrong with a payload built from checkouts, read back and compared with its source: each built component
 * must point at the image pushed for it, and nothing else may differ (no other component changed, added or
 * removed). `built` is component -> pushed image by digest. Empty when the payload holds exactly what was built.
 */
export function builtReleaseProblems(diff: ReleaseDiff, built: ReadonlyMap<string, string>, name: string): string[] {
  const problems: string[] = [];
  if (diff.toVersion !== name) problems.push(`its version is ${diff.toVersion || '(none)'}, not ${name}`);
  const moved = new Map<string, string>([...diff.changed, ...diff.rebuilt].map((c) => [c.name, c.to]));
  for (const [component, image] of built) {
    const to = moved.get(component);
    if (to === undefined) problems.push(`${component} did not change`);
    else if (digestOf(to) !== digestOf(image)) problems.push(`${component} is ${to}, not the built ${image}`);
  }
  const others = [...moved.keys()].filter((c) => !built.has(c)).sort();
  if (others.length) problems.push(`other components changed too: ${others.join(', ')}`);
  if (diff.added.length) problems.push(`components were added: ${diff.added.map((c) => c.name).join(', ')}`);
  if (diff.removed.length) problems.push(`components were removed: ${diff.removed.map((c) => c.name).join(', ')}`);
  return problems;
}
