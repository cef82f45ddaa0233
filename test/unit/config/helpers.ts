import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConfigProblem } from '../../../src/core/config';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/configs');

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** A temp folder removed after the current suite. */
export class TempDirs {
  private readonly dirs: string[] = [];
  make(prefix = 'mcp-discovery-'): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }
  cleanup(): void {
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

export function write(root: string, relative: string, text: string): string {
  const file = path.join(root, ...relative.split('/'));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** The source text a problem points at. */
export function textAt(text: string, problem: Pick<ConfigProblem, 'range'>): string {
  return text.slice(problem.range.offset, problem.range.offset + problem.range.length);
}

/** The single problem with this code (fails listing all problems when there is not exactly one). */
export function only(problems: ConfigProblem[], code: string): ConfigProblem {
  const found = problems.filter((p) => p.code === code);
  assert.equal(found.length, 1, `expected one "${code}" problem, got: ${JSON.stringify(problems, null, 1)}`);
  return found[0]!;
}
