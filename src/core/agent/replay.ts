// Record and replay. Every agent run records its model turns in its trace (kind 'model' steps); a replay
// takes the model's side from there and re-runs the tools live through the guards. Before handing back a
// recorded turn it checks that the model would have been given the same tool results as when it was
// recorded: where a result changed, the recorded turn no longer follows from what it was given, and that
// is reported as a divergence (the replay goes on, so the whole difference shows).
import type { ModelTurnRecord, StepRecord } from '../../protocol/trace';
import { readTrace } from '../trace/reader';
import { AgentStop } from './runner';
import { givenThisTurn, sha256 } from './turns';
import type { AgentMode, Divergence, ModelProvider, ModelRequest, ModelResponse } from './types';

export interface Recording {
  file: string;
  goal: string;
  model: string;
  provider: string;
  mode: AgentMode;
  servers: string[];
  turns: (StepRecord & { model_turn: ModelTurnRecord })[];
  /** The run's tool calls and code steps (with the calls code made), for comparing a replay with the original. */
  toolSteps: StepRecord[];
}

/** Reads the recording of an agent run from its trace; throws with what is missing when it is not one. */
export function loadRecording(file: string): Recording {
  let trace;
  try {
    trace = readTrace(file);
  } catch (err) {
    throw new Error(`Could not read the trace ${file}: ${(err as Error).message}`);
  }
  const turns = trace.steps.filter((s): s is StepRecord & { model_turn: ModelTurnRecord } => s.kind === 'model' && !!s.model_turn).sort((a, b) => a.model_turn.turn - b.model_turn.turn);
  if (!turns.length) throw new Error(`${file} records no model turns: replay needs the trace of an agent run (mcp-harness agent).`);
  const first = turns[0];
  const goal = (first.args as { goal?: unknown } | undefined)?.goal;
  if (typeof goal !== 'string') throw new Error(`${file}: the first model turn does not record the goal.`);
  return {
    file,
    goal,
    model: first.model_turn.model,
    provider: first.model_turn.provider,
    mode: first.model_turn.mode,
    servers: trace.header?.servers ?? [],
    turns,
    // Only what the model asked for: a server's log lines and requests to the client are recorded too, not replayed.
    toolSteps: trace.steps.filter((s) => s.kind === 'tool' || s.kind === 'code'),
  };
}

/** A model that answers from a recording, and notes where the tool results it is given differ from it. */
export class ReplayProvider implements ModelProvider {
  readonly name = 'replay';
  private next = 0;
  readonly divergences: Divergence[] = [];

  constructor(private readonly recording: Recording) {}

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const recorded = this.recording.turns[this.next];
    if (!recorded) {
      throw new AgentStop('replay_exhausted', `The recording has ${this.recording.turns.length} model turns and the replay needs another: the run took a different path.`);
    }
    this.next++;
    this.compare(recorded.model_turn, givenThisTurn(request.messages));
    const turn = recorded.model_turn;
    return {
      ...(turn.text !== undefined ? { text: turn.text } : {}),
      toolCalls: turn.tool_calls.map((c) => ({ ...c })),
      usage: { input: recorded.tokens_in, output: recorded.tokens_out },
      ...(turn.stop_reason ? { stopReason: turn.stop_reason } : {}),
      ...(turn.reasoning ? { reasoning: turn.reasoning } : {}),
    };
  }

  private compare(turn: ModelTurnRecord, given: ReturnType<typeof givenThisTurn>): void {
    const n = Math.max(turn.given.length, given.length);
    for (let i = 0; i < n; i++) {
      const was = turn.given[i];
      const now = given[i];
      if (!was || !now) {
        this.divergences.push({ turn: turn.turn, toolCallId: was ? was.id : now!.toolCallId, name: (was ?? now)!.name, message: was ? 'the recorded tool result was not produced in the replay' : 'the replay produced a tool result the recording does not have' });
      } else if (was.sha256 !== sha256(now.text)) {
        this.divergences.push({
          turn: turn.turn,
          toolCallId: was.id,
          name: was.name,
          message: `the result of ${was.name} (call ${was.id}) differs from the recording, so model turn ${turn.turn} was given something else (now: "${excerpt(now.text)}")`,
        });
      }
    }
  }
}

function excerpt(text: string): string {
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}
