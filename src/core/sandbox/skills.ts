// Skills: reusable functions in .mcp-harness/skills/*.js. Each file is an ES module whose exported
// functions become `skills.<file name>.<function>` in the sandbox (evaluated inside the guest, never on the host).
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sanitizeIdentifier } from '../typings/generate';
import type { SkillSource } from './types';

export const SKILLS_DIR = join('.mcp-harness', 'skills');
export const MAX_SKILL_BYTES = 256 * 1024;
export const MAX_SKILLS = 100;

/** Reads every skill of a workspace; a missing folder means no skills. Throws a sentence naming the file on a bad one. */
export async function loadSkills(workspaceDir: string): Promise<SkillSource[]> {
  const dir = join(workspaceDir, SKILLS_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.js')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  if (names.length > MAX_SKILLS) {
    throw new Error(`${dir} holds ${names.length} skills; at most ${MAX_SKILLS} are loaded. Move the ones you do not use elsewhere.`);
  }
  const skills: SkillSource[] = [];
  const taken = new Set<string>();
  for (const name of names) {
    const file = join(dir, name);
    const info = await stat(file);
    if (!info.isFile()) continue;
    if (info.size > MAX_SKILL_BYTES) {
      throw new Error(`Skill ${file} is ${info.size} bytes, over the ${MAX_SKILL_BYTES}-byte limit; split it into smaller skills.`);
    }
    let id = sanitizeIdentifier(basename(name, '.js'));
    for (let n = 2; taken.has(id); n++) id = `${sanitizeIdentifier(basename(name, '.js'))}_${n}`;
    taken.add(id);
    skills.push({ name: id, source: await readFile(file, 'utf8'), file: join(SKILLS_DIR, name) });
  }
  return skills;
}
