// Public surface of the code sandbox.
export { Sandbox, SandboxPool, resolveLimits, TERMINATE_GRACE_MS, type SandboxOptions, type SandboxPoolOptions } from './sandbox';
export { SandboxLimitError, adviseOnLimit, type LimitAdvice, type LimitName } from './limits';
export { SessionWorkspace } from './workspace';
export { loadSkills, SKILLS_DIR } from './skills';
export { optimizeValue } from './optimizer';
export { sanitizeText } from './sanitize';
export { runCodeStep, type CodeStepInput, type CodeStepOutcome } from './code-step';
export { registerCodeStepKind, defaultSandboxPool, type CodeStepOptions } from './session-step';
export { sandboxLimitsFromSettings, settingAdvice, settingForLimit, SANDBOX_SETTINGS } from './settings';
export { generateTypings, generateJsconfig, writeTypings, toolStub, type WrittenTypings } from '../typings/generate';
export * from './types';
