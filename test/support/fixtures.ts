import * as fs from 'node:fs';
import * as path from 'node:path';

/** The shared fixtures folder (real OKD/OpenShift files; see its README for each file's source). */
export const fixturesDir = path.resolve(__dirname, '../../../shared/fixtures');

export function fixturePath(...parts: string[]): string {
  return path.join(fixturesDir, ...parts);
}

export function readFixture(...parts: string[]): string {
  return fs.readFileSync(fixturePath(...parts), 'utf8');
}
