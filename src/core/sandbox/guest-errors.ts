// Turns what the guest threw (read through the prelude's describeError) or what stopped it into the
// error kind an execution ends with: memory, timeout, stack, denied or runtime.
import { memoryError, timeoutError } from './limits';
import { WRAP_PREFIX } from './prelude';
import { sanitizeText } from './sanitize';
import type { SandboxError, SandboxLimits } from './types';

const ERROR_MESSAGE_CHARS = 2000;

export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  decision?: string;
  reasons?: string[];
}

/** What an interrupted guest's error reads as: the interrupt's cause decides the kind. */
export const INTERRUPTED: ErrorInfo = { name: 'InternalError', message: 'interrupted' };

export interface ErrorContext {
  limits: SandboxLimits;
  /** Why the interrupt handler stopped the guest, if it did. */
  interruptedBy: 'timeout' | 'memory' | undefined;
  /** True when the linear memory is (nearly) at its cap. */
  memoryFull(): boolean;
  /** The user's code, to say an error's place as it reads there (not in the wrapped code). */
  code?: string;
}

export function classifyError(info: ErrorInfo, context: ErrorContext, where = ''): SandboxError {
  const { limits, interruptedBy } = context;
  // Out of memory, QuickJS may be unable to build an error object and throws null instead.
  const unreadable = info.message === 'Uncaught null' || info.message === 'the code threw a value that could not be read';
  if (interruptedBy === 'memory' || (/out of memory|string too long/i.test(info.message) && info.name === 'InternalError') || (unreadable && context.memoryFull())) {
    return memoryError(limits.memoryMb);
  }
  if (interruptedBy === 'timeout') return timeoutError(limits.timeoutMs);
  if (/stack overflow|call stack size exceeded/i.test(info.message)) {
    return { kind: 'stack', message: `The code overflowed its ${limits.stackKb} KB stack (too deep recursion).`, limit: { name: 'stackKb', value: limits.stackKb } };
  }
  const message = sanitizeText(`${where}${info.name}: ${info.message}${firstFrame(info.stack, context.code)}`, ERROR_MESSAGE_CHARS);
  if (info.name === 'ToolDeniedError') {
    return { kind: 'denied', message, decision: info.decision, reasons: (info.reasons ?? []).map((r) => sanitizeText(r, 500)) };
  }
  return { kind: 'runtime', message };
}

export function jobLimitError(max: number): SandboxError {
  return { kind: 'timeout', message: `The code ran more than ${max} promise jobs without finishing and was stopped (a microtask flood).`, limit: { name: 'maxPendingJobs', value: max } };
}

/** An exception that escaped a job, as QuickJS printed it ("InternalError: out of memory", "null"). */
export function escapedError(text: string): ErrorInfo {
  const match = /^(\w*Error): (.*)$/s.exec(text);
  return match ? { name: match[1], message: match[2] } : { name: 'Error', message: `Uncaught ${text}` };
}

function firstFrame(stack: string | undefined, code: string | undefined): string {
  if (!stack) return '';
  const frame = stack.split('\n').map((l) => l.trim()).find((l) => l.startsWith('at ') && l.includes('code.mcp.js'));
  return frame ? ` (${userPlace(frame.replace(/^at\s+/, 'at '), code)})` : '';
}

/** code.mcp.js:L:C of the wrapped code as the user's code reads: line 1's columns lose the wrapper's prefix, and
 *  a place past the code's last line (the wrapper's closing `})()`, where an unfinished expression is noticed) is its end. */
function userPlace(frame: string, code: string | undefined): string {
  if (code === undefined) return frame;
  const lines = code.split('\n').length;
  return frame.replace(/code\.mcp\.js:(\d+):(\d+)/, (all, l: string, c: string) => {
    const line = Number(l);
    if (line > lines) return 'the end of the code';
    return line === 1 ? `code.mcp.js:1:${Math.max(1, Number(c) - WRAP_PREFIX.length)}` : all;
  });
}
