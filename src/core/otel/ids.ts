// Trace and span ids derived from the run's own ids: the trace id is the session id, a step's span id a
// hash of the session and step ids. The traceparent a server receives before a step's record exists, the
// span exported when the record arrives and a later "export as OTLP JSON" of the trace file therefore
// all name the same span, with no table of ids kept anywhere.
import { createHash } from 'node:crypto';

/** Where a span sits in a run: the session itself, or one of its steps (a code step's child names its parent). */
export interface SpanKey {
  sessionId: string;
  stepId?: string;
  parentId?: string;
}

/** What the pipeline tells the host about a tool call it is about to send. */
export interface CallMetaRequest {
  sessionId: string;
  stepId: string;
  parentId?: string;
  server: string;
  tool: string;
}

/** Gives the `_meta` to send with a tool call (a W3C traceparent), or nothing. */
export type CallMetaHook = (call: CallMetaRequest) => Record<string, unknown> | undefined;

const ZERO_TRACE = /^0{32}$/;
const ZERO_SPAN = /^0{16}$/;

/** The session id (a UUID) is already 128 random bits: it is the trace id. Other ids are hashed to 32 hex digits. */
export function traceIdOf(sessionId: string): string {
  const hex = sessionId.replace(/-/g, '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex) && !ZERO_TRACE.test(hex)) return hex;
  return digest(`trace:${sessionId}`).slice(0, 32);
}

/** The session span's id, a step's, or a code step's child call's (the parent step id keeps children apart). */
export function spanIdOf(key: SpanKey): string {
  const path = key.stepId === undefined ? 'session' : key.parentId !== undefined ? `step:${key.parentId}/${key.stepId}` : `step:${key.stepId}`;
  const id = digest(`${key.sessionId}\u0000${path}`).slice(0, 16);
  return ZERO_SPAN.test(id) ? '0000000000000001' : id;
}

/** The span a step's span hangs under: its code step for a sandbox child call, else the session. */
export function parentSpanIdOf(key: SpanKey): string {
  if (key.stepId === undefined) throw new Error('The session span has no parent.');
  return key.parentId !== undefined ? spanIdOf({ sessionId: key.sessionId, stepId: key.parentId }) : spanIdOf({ sessionId: key.sessionId });
}

/** The W3C traceparent naming a step's span as the parent of whatever the server does for the call (sampled). */
export function traceparentOf(key: SpanKey): string {
  return `00-${traceIdOf(key.sessionId)}-${spanIdOf(key)}-01`;
}

/** The hook a host installs when spans are exported: every tools/call carries its step span's traceparent. */
export const traceContextMeta: CallMetaHook = (call) => ({ traceparent: traceparentOf({ sessionId: call.sessionId, stepId: call.stepId, parentId: call.parentId }) });

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
