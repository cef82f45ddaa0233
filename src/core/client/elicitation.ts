// elicitation/create, form and URL mode. The answer comes from the host (VS Code's form) or from the
// session file's "elicitation" key (the CLI, CI). Form content is validated against the server's
// requestedSchema before it is sent; a URL is never opened here (the host reports it, and opens it only
// after the user agrees). Each request is a trace record of kind 'elicitation' with its content redacted.
import type { Decision, ElicitationDetail, Finding, StageResult } from '../../protocol/trace';
import { DEFAULT_GUARDRAILS } from '../guards/defaults';
import { scanValue } from '../guards/redact';
import { sharedSchemaCache } from '../guards/schema';
import type { ElicitRequestParams, ElicitResult, ServerRequestContext } from '../servers/serverRequests';
import { featureRecord, RecordIds } from './records';
import type { ClientRuns } from './runs';
import type { CallOrigin, ClientHost, ClientRun } from './types';

export class ElicitationFeature {
  constructor(
    private readonly host: ClientHost,
    private readonly runs: ClientRuns,
    private readonly ids: RecordIds,
  ) {}

  async elicit(ctx: ServerRequestContext, params: ElicitRequestParams): Promise<ElicitResult> {
    const found = this.runs.forOrigin(ctx.origin);
    const run = found?.run ?? (ctx.origin === undefined ? this.runs.unattributed(ctx.server, 'elicitation') : undefined);
    const startedMs = Date.now();
    const mode = params.mode === 'url' ? 'url' : 'form';
    const url = params.mode === 'url' ? params.url : undefined;
    // A run that answers for itself (the lab) does not bother the user with the URL either.
    if (url !== undefined && !run?.settings.elicitation?.by) this.host.onElicitationUrl?.(ctx.server, url, params.message);
    const stages: StageResult[] = [];
    const findings: Finding[] = [];
    let result: ElicitResult;
    let decision: Decision = 'ok';
    const reasons: string[] = [];
    try {
      result = await this.answer(ctx, params, run, found, reasons);
      stages.push({ stage: 'execute', decision: 'pass', reasons: [...reasons], duration_ms: Date.now() - startedMs });
      const invalid = this.validate(params, result);
      if (invalid) {
        stages.push({ stage: 'schema', decision: 'denied_schema', reasons: [invalid.reason], errors: invalid.errors });
        reasons.push(invalid.reason);
        decision = 'denied_schema';
        result = { action: 'cancel' };
      } else stages.push({ stage: 'schema', decision: 'pass', reasons: [] });
    } catch (err) {
      decision = ctx.signal.aborted ? 'cancelled' : 'error';
      reasons.push((err as Error).message);
      stages.push({ stage: 'execute', decision, reasons: [(err as Error).message] });
      this.record(run, found?.origin.stepId, ctx, params, { action: 'cancel' }, decision, reasons, stages, findings, startedMs, { mode, action: 'cancel', via: ctx.via, ...(url ? { url } : {}) });
      throw err;
    }
    this.record(run, found?.origin.stepId, ctx, params, result, decision, reasons, stages, findings, startedMs, { mode, action: result.action, via: ctx.via, ...(url ? { url } : {}) });
    return result;
  }

  /**
   * The run's answerer (a gateway's client that declared this mode), else the session's answer, else the host's
   * form, else cancel (nobody can answer).
   */
  private async answer(
    ctx: ServerRequestContext,
    params: ElicitRequestParams,
    run: ClientRun | undefined,
    found: { run: ClientRun; origin: CallOrigin } | undefined,
    reasons: string[],
  ): Promise<ElicitResult> {
    const forward = found && run?.answererFor?.(found.origin.stepId);
    if (forward?.elicit && forward.canElicit?.(params.mode === 'url' ? 'url' : 'form')) {
      reasons.push(`answered by ${forward.name} (the gateway's client)`);
      return forward.elicit(params, ctx.signal);
    }
    const scripted = run?.settings.elicitation;
    if (scripted) {
      reasons.push(scripted.by ? `answered by ${scripted.by}` : 'answered from the session\'s "elicitation" key');
      if (params.mode === 'url' || scripted.action !== 'accept') return { action: scripted.action };
      return { action: 'accept', content: (scripted.content ?? {}) as ElicitResult['content'] };
    }
    if (this.host.elicit) return this.host.elicit({ ...params, server: ctx.server }, ctx.signal);
    reasons.push('nobody can answer here: cancelled (give the session an "elicitation" key to answer)');
    return { action: 'cancel' };
  }

  /** Accepted form content must match the requested schema before the server sees it. */
  private validate(params: ElicitRequestParams, result: ElicitResult): { reason: string; errors: { path: string; message: string }[] } | undefined {
    if (result.action !== 'accept') return undefined;
    if (params.mode === 'url') {
      return result.content === undefined ? undefined : { reason: 'a URL-mode elicitation is answered without content', errors: [{ path: '$.content', message: 'must be absent' }] };
    }
    const check = sharedSchemaCache.check(params.requestedSchema, result.content ?? {});
    if (check.valid) return undefined;
    const errors = check.errors.map((e) => ({ path: e.path.replace(/^\$/, '$.content'), message: e.message }));
    return { reason: `The answer does not match the server's requestedSchema, so it was not sent (the server got "cancel"): ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}.`, errors };
  }

  private record(
    run: ClientRun | undefined,
    parentId: string | undefined,
    ctx: ServerRequestContext,
    params: ElicitRequestParams,
    result: ElicitResult,
    decision: Decision,
    reasons: string[],
    stages: StageResult[],
    findings: Finding[],
    startedMs: number,
    detail: ElicitationDetail,
  ): void {
    if (!run) return;
    const guardrails = run.guardrails ?? DEFAULT_GUARDRAILS;
    const args = scanValue(params, guardrails, run.vault, 'record', '$.args');
    const output = scanValue(result, guardrails, run.vault, 'record', '$.output');
    const record = featureRecord(run, this.ids.next(run, 'elicitation', parentId), {
      kind: 'elicitation',
      server: ctx.server,
      method: 'elicitation/create',
      decision,
      reasons,
      args: args.redacted,
      output: output.redacted,
      parentId,
      startedMs,
    });
    record.stages = [...stages, { stage: 'record', decision: 'pass', reasons: [] }];
    record.findings = [...findings, ...args.findings, ...output.findings];
    record.elicitation = detail;
    run.writeChild(record);
  }
}
