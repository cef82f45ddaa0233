// The sandbox's limits as data: checking them, the errors a run ends with when it hits one, and how a
// host adds its own way of raising a limit. Core messages say which limit and its value; the host
// (CLI: "pass --timeout-ms", VS Code: "set mcpHarness.sandbox.timeoutMs") says how to change it.
import { DEFAULT_LIMITS, LIMIT_BOUNDS, type SandboxError, type SandboxLimits } from './types';

export type LimitName = keyof SandboxLimits;

/** A limit value out of its range (or an unknown limit): which one, the value given and the allowed range. */
export class SandboxLimitError extends RangeError {
  constructor(
    readonly limit: string,
    readonly value: unknown,
    readonly min?: number,
    readonly max?: number,
  ) {
    super(min === undefined ? `Unknown sandbox limit '${limit}'.` : `Sandbox limit ${limit} must be a number from ${min} to ${max} (got ${String(value)}).`);
    this.name = 'SandboxLimitError';
  }

  /** The same complaint about the host's name for the limit, e.g. "--memory-mb must be a number from 24 to 2048 (got 4)". */
  describeAs(name: string): string {
    return this.min === undefined ? `${name} is not a sandbox limit.` : `${name} must be a number from ${this.min} to ${this.max} (got ${String(this.value)}).`;
  }
}

/** Merges limits over the defaults; throws a SandboxLimitError when one is unknown or out of range. */
export function resolveLimits(partial: Partial<SandboxLimits> = {}): SandboxLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(partial) as [LimitName, number | undefined][]) {
    if (value === undefined) continue;
    if (!(key in LIMIT_BOUNDS)) throw new SandboxLimitError(key, value);
    const [min, max] = LIMIT_BOUNDS[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw new SandboxLimitError(key, value, min, max);
    limits[key] = Math.floor(value);
  }
  return limits;
}

export function timeoutError(timeoutMs: number): SandboxError {
  return { kind: 'timeout', message: `The code ran longer than ${timeoutMs} ms and was stopped.`, limit: { name: 'timeoutMs', value: timeoutMs } };
}

export function memoryError(memoryMb: number): SandboxError {
  return {
    kind: 'memory',
    message: `The code used more than ${memoryMb} MB of memory and was stopped; process data in smaller pieces.`,
    limit: { name: 'memoryMb', value: memoryMb },
  };
}

/**
 * How a host lets its user raise a limit, as a phrase ("pass --timeout-ms", "set mcpHarness.sandbox.stackKb"),
 * or undefined when the limit cannot be changed there.
 */
export type LimitAdvice = (limit: LimitName) => string | undefined;

/** The error with the host's advice appended when it hit a limit the host lets users raise. */
export function adviseOnLimit(error: SandboxError, advice: LimitAdvice): SandboxError {
  const how = error.limit && advice(error.limit.name);
  return how ? { ...error, message: `${error.message} To allow more, ${how}.` } : error;
}
