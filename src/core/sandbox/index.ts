// Public surface of the code sandbox.
export { Sandbox, SandboxPool, resolveLimits, TERMINATE_GRACE_MS, type SandboxOptions, type SandboxPoolOptions } from './sandbox';
export { SessionWorkspace } from './workspace';
export { loadSkills, SKILLS_DIR } from './skills';
export { optimizeValue } from './optimizer';
export { sanitizeText } from './sanitize';
export { runCodeStep, type CodeStepInput } from './code-step';
export * from './types';
