// Annotation truth. A tool that says readOnlyHint must not change what the server's other read tools and
// resources report; a tool that says idempotentHint must leave the same observable state when called
// twice with the same input. "Observable state" is what the observers return, minus any observer whose
// answer already changes between two observations with nothing called in between (clocks, random data).
import fc from 'fast-check';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { sharedSchemaCache } from '../guards/schema';
import { canonicalJson } from '../util/canonical';
import { textForTokens } from '../guards/pipeline';
import { arbitraryForTool } from './schemaArbitrary';
import type { Prober } from './probe';
import type { LabFinding, LabRun, SuiteContext } from './types';

export const MAX_OBSERVERS = 8;
export const MAX_ANNOTATED_TOOLS = 12;
/** An observer slower than this is left out (a long-running tool would make every observation slow). */
export const OBSERVER_MAX_MS = 1000;
/** A call that takes this long or longer is slow: such a tool gets fewer inputs, and its checks go last. */
export const SLOW_CALL_MS = 1000;

type Observation = Map<string, string>;

/**
 * The time the checks may take and what the lab knows of each tool's pace (from the valid-input property): a check
 * starts only if its tool's calls (at their known pace) fit before `endsAt`, tools known to be slow go last and are
 * not used as observers, and every call gets `signal`, which ends it at the props suite's end.
 */
export interface AnnotationTime {
  now: () => number;
  endsAt: number;
  signal?: AbortSignal;
  /** A call's expected duration in ms (the call timeout for a tool that hung); undefined when not known. */
  expectedMs(tool: string): number | undefined;
  /** Why a check of `tool` does not fit: its pace in words ("its calls take about 4.1 s"). */
  paceWords(tool: string): string;
}

export interface AnnotationChecks {
  checks: number;
  /** Checks not started because their tool's calls would not have ended in time. */
  leftOut: { tool: string; check: 'read_only' | 'idempotent'; reason: string }[];
}

export async function checkAnnotations(ctx: SuiteContext, run: LabRun, prober: Prober, exercised: Tool[], all: Tool[], findings: LabFinding[], time?: AnnotationTime): Promise<AnnotationChecks> {
  const expected = (t: Tool) => time?.expectedMs(t.name) ?? 0;
  const call = (tool: string, args: Record<string, unknown>, tag: string) => prober.call(run, tool, args, tag, time?.signal);
  // A tool already seen to be slow would only be dropped as an observer after a slow call.
  const candidates = all.filter((t) => t.annotations?.readOnlyHint === true && !(t.inputSchema?.required?.length) && expected(t) <= OBSERVER_MAX_MS);
  const readTools = await quickObservers(call, candidates);
  // Quick tools first: the time left goes to as many checks as it can.
  const byPace = (tools: Tool[]) => tools.map((t, i) => ({ t, i })).sort((a, b) => expected(a.t) - expected(b.t) || a.i - b.i).map((x) => x.t);
  const claimsReadOnly = byPace(exercised.filter((t) => t.annotations?.readOnlyHint === true).slice(0, MAX_ANNOTATED_TOOLS));
  const claimsIdempotent = byPace(exercised.filter((t) => t.annotations?.idempotentHint === true && t.annotations?.readOnlyHint !== true).slice(0, MAX_ANNOTATED_TOOLS));
  const result: AnnotationChecks = { checks: 0, leftOut: [] };
  let observationMs = 0;
  const observe = async (except: string): Promise<Observation> => {
    const started = Date.now();
    const seen: Observation = new Map();
    for (const t of readTools.filter((r) => r.name !== except)) {
      const probe = await call(t.name, {}, `observe-${t.name}`);
      seen.set(`tool ${t.name}`, probe.outcome === 'result' ? textForTokens(probe.call.result) : `(${probe.outcome})`);
    }
    for (const [key, text] of await readResources(ctx)) seen.set(key, text);
    observationMs = Math.max(observationMs, Date.now() - started);
    return seen;
  };
  /** Whether a check with `calls` calls of `tool` and three observations still ends in time; if not, it is left out. */
  const fits = (tool: Tool, check: 'read_only' | 'idempotent', calls: number): boolean => {
    if (!time) return true;
    if (fitsBefore(time.now(), time.endsAt, calls * expected(tool) + 3 * observationMs)) return true;
    result.leftOut.push({ tool: tool.name, check, reason: `${time.paceWords(tool.name)}: its ${calls} calls and the observations around them would not end within the props suite's time` });
    return false;
  };
  for (const tool of claimsReadOnly) {
    if (ctx.signal?.aborted) break;
    if (!fits(tool, 'read_only', 2)) continue;
    ctx.progress(`props: is ${tool.name} really read-only?`);
    const stable = await stableObservation(observe, tool.name);
    if (!stable.size) continue;
    result.checks++;
    for (const args of samples(tool, ctx.seed, 2)) await call(tool.name, args, `readonly-${tool.name}`);
    const changed = differences(stable, await observe(tool.name));
    // A cancelled lab cancels the calls under way: their observations say nothing about the tool.
    if (changed.length && !ctx.signal?.aborted && !time?.signal?.aborted) {
      findings.push({ suite: 'props', kind: 'props.annotation.read_only_writes', severity: 'major', tool: tool.name, message: `${tool.name} is annotated readOnlyHint, but calling it changed what ${changed.join(', ')} report${changed.length === 1 ? 's' : ''}.` });
    }
  }
  for (const tool of claimsIdempotent) {
    if (ctx.signal?.aborted) break;
    const [args] = samples(tool, ctx.seed, 1);
    if (!args) continue;
    if (!fits(tool, 'idempotent', 2)) continue;
    ctx.progress(`props: is ${tool.name} really idempotent?`);
    await call(tool.name, args, `idempotent-${tool.name}`);
    const once = await stableObservation(observe, tool.name);
    if (!once.size) continue;
    result.checks++;
    await call(tool.name, args, `idempotent-${tool.name}`);
    const changed = differences(once, await observe(tool.name));
    if (changed.length && !ctx.signal?.aborted && !time?.signal?.aborted) {
      findings.push({ suite: 'props', kind: 'props.annotation.not_idempotent', severity: 'major', tool: tool.name, input: args, message: `${tool.name} is annotated idempotentHint, but a second identical call changed what ${changed.join(', ')} report${changed.length === 1 ? 's' : ''}.` });
    }
  }
  return result;
}

/**
 * Whether work expected to take `expectedMs` (at a tool's measured pace) still ends by `endsAt` when started at `now`:
 * with room for it to take twice as long, so a call a little slower than its median is not cut at the suite's end.
 */
export function fitsBefore(now: number, endsAt: number, expectedMs: number): boolean {
  return now + 2 * expectedMs + 50 <= endsAt;
}

/** 0.4 s, 4.1 s, 12 s. */
export function formatMs(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

type Call = (tool: string, args: Record<string, unknown>, tag: string) => ReturnType<Prober['call']>;

/** Observers must answer, and quickly: each one is called six times per checked tool. */
async function quickObservers(call: Call, candidates: Tool[]): Promise<Tool[]> {
  const quick: Tool[] = [];
  for (const t of candidates.slice(0, MAX_OBSERVERS * 2)) {
    if (quick.length >= MAX_OBSERVERS) break;
    const probe = await call(t.name, {}, `observer-${t.name}`);
    if (probe.outcome === 'result' && probe.call.record.latency_ms <= OBSERVER_MAX_MS) quick.push(t);
  }
  return quick;
}

async function readResources(ctx: SuiteContext): Promise<[string, string][]> {
  const { listResources, readResource } = ctx.host;
  if (!listResources || !readResource) return [];
  const out: [string, string][] = [];
  try {
    for (const r of (await listResources.call(ctx.host, ctx.server)).slice(0, MAX_OBSERVERS)) {
      const read = await readResource.call(ctx.host, ctx.server, r.uri).catch((err: Error) => ({ contents: [{ uri: r.uri, text: `(error: ${err.message})` }] }));
      out.push([`resource ${r.uri}`, canonicalJson(read.contents)]);
    }
  } catch {
    // A server without resources has nothing to observe there.
  }
  return out;
}

/** Two observations with nothing in between; only the observers that agreed are kept. */
async function stableObservation(observe: (except: string) => Promise<Observation>, except: string): Promise<Observation> {
  const first = await observe(except);
  const second = await observe(except);
  const stable: Observation = new Map();
  for (const [k, v] of second) if (first.get(k) === v) stable.set(k, v);
  return stable;
}

function differences(before: Observation, after: Observation): string[] {
  return [...before.keys()].filter((k) => after.get(k) !== before.get(k));
}

function samples(tool: Tool, seed: number, n: number): Record<string, unknown>[] {
  const arb = arbitraryForTool(tool.inputSchema).arbitrary.filter((a) => sharedSchemaCache.check(tool.inputSchema, a).valid);
  try {
    return fc.sample(arb, { seed, numRuns: n });
  } catch {
    return [];
  }
}
