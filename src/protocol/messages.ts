// The one typed protocol between the extension host and the trace explorer webview.
//
// How the host uses it (the webview panel host lives in src/extension; this file imports nothing
// from vscode so the webview bundle and the core can share it):
//
//   const channel = createHostChannel(panel.webview);     // queues posts until the webview says `ready`
//   channel.post({ type: 'init', runs, selectedRunId });  // first message after `ready`, always
//   channel.onMessage((msg) => { switch (msg.type) { case 'selectStep': ...; case 'copy': ... } });
//   channel.handle('exportReport', async ({ format, sessionIds }) => ({ path }));   // request → reply
//   channel.handle('rerun', async ({ sessionId }) => ({ sessionId: newId }));
//   // live: channel.post({ type: 'runStarted', run }) then { type: 'appendSteps', sessionId, steps }
//   //       as records are written, then { type: 'runEnded', end }.
//
// The webview posts `ready` once its listeners are installed (and again after every reload of
// the page, e.g. when VS Code restores it); the host must answer every `ready` with a full
// `init`, because a reloaded webview has lost everything but its persisted UI state.
// Persisted UI state (WebviewPersistedState) is what `acquireVsCodeApi().setState` holds; a
// WebviewPanelSerializer gets it back in `deserializeWebviewPanel(panel, state)` and should pass
// `state.selectedRunId` / `state.selectedStepId` in the `init` it sends.
//
// Requests carry a numeric `id`; the host answers each with exactly one `reply` with the same id
// (`ok: false` + a user-readable `error` when it failed). Unknown message types are ignored by
// both sides (see isHostToWebview / isWebviewToHost) so old and new builds degrade gracefully.
import type { LabResult } from '../core/lab/types';
import type { SessionEnd, SessionHeader, StepRecord } from './trace';

/** A reliability lab result as the Lab tab shows it (the lab's stable JSON shape, documented in the README). */
export type LabResultSnapshot = LabResult;

/** Identifies one lab result in the panel: its server and start time. */
export function labResultKey(result: Pick<LabResult, 'server' | 'started_at'>): string {
  return `${result.server}@${result.started_at}`;
}

export const PROTOCOL_VERSION = 1;

/** The id of the element the webview renders into; the host's HTML must contain `<div id="…">`. */
export const WEBVIEW_ROOT_ID = 'mcp-harness-root';
/** Id of the `<script type="application/json">` a self-contained report embeds its runs in. */
export const WEBVIEW_DATA_ID = 'mcp-harness-data';

export type ReportFormat = 'json' | 'html' | 'csv' | 'xlsx';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'html', 'csv', 'xlsx'];

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** A trace line that could not be read, with a sentence saying why. */
export interface BadLine {
  line: number;
  message: string;
  /** The file it came from, when known. */
  source?: string;
}

/** One session run as the webview sees it: everything the trace file holds for it. */
export interface RunSnapshot {
  id: string;
  /** Absent when the file lost its first lines (the run is shown with its session id as name). */
  header?: SessionHeader;
  steps: StepRecord[];
  /** Absent while the run is still going or when the file was truncated. */
  end?: SessionEnd;
  /** The trace file the run was read from. */
  source?: string;
}

/** What the host can do; the webview hides the buttons for actions the host does not offer. */
export interface HostCapabilities {
  rerun?: boolean;
  exportReport?: boolean;
  revealTraceFile?: boolean;
  openFile?: boolean;
  /** Open a resource a tool result linked to, in a read-only editor (openResource). */
  openResource?: boolean;
  /** Save a lab result's HTML report card. */
  saveLabReport?: boolean;
}

export interface RequestMap {
  /** Ask the host to write a report (it shows a save dialog); resolves with where it went. */
  exportReport: { params: { format: ReportFormat; sessionIds: string[] }; result: { path?: string; cancelled?: boolean } };
  /** Run the session again; resolves with the new run's id once it started. */
  rerun: { params: { sessionId: string }; result: { sessionId?: string } };
  /** Save the HTML report card of the lab result with this key (see labResultKey); resolves with where it went. */
  saveLabReport: { params: { key: string }; result: { path?: string; cancelled?: boolean } };
}
export type RequestMethod = keyof RequestMap;

export type HostToWebview =
  | {
      type: 'init';
      runs: RunSnapshot[];
      selectedRunId?: string;
      selectedStepId?: string;
      theme?: ThemeKind;
      capabilities?: HostCapabilities;
      /** Lines of the trace files that could not be read; shown in a banner. */
      badLines?: BadLine[];
      /** Reliability lab results of this window, newest last (the Lab tab). */
      labResults?: LabResultSnapshot[];
      /** The tab to show (a panel opened for a lab result shows the Lab tab); absent: as the user left it. */
      tab?: 'lab';
    }
  | { type: 'labResult'; result: LabResultSnapshot; reveal?: boolean }
  | { type: 'runStarted'; run: RunSnapshot }
  | { type: 'appendSteps'; sessionId: string; steps: StepRecord[] }
  | { type: 'runEnded'; end: SessionEnd }
  | { type: 'removeRun'; sessionId: string }
  | { type: 'selectRun'; sessionId: string; stepId?: string }
  | { type: 'theme'; theme: ThemeKind }
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string }
  | { type: 'reply'; id: number; ok: true; result: RequestMap[RequestMethod]['result'] }
  | { type: 'reply'; id: number; ok: false; error: string };

export type WebviewRequest = {
  [K in RequestMethod]: { type: 'request'; id: number; method: K; params: RequestMap[K]['params'] };
}[RequestMethod];

export type WebviewToHost =
  | { type: 'ready'; protocol: number }
  | { type: 'selectRun'; sessionId: string }
  | { type: 'selectStep'; sessionId: string; stepId: string }
  | { type: 'openFile'; path: string; line?: number }
  /** A tool result's resource_link or embedded resource: read `uri` from `server`. */
  | { type: 'openResource'; server: string; uri: string }
  | { type: 'revealTraceFile'; sessionId: string }
  | { type: 'copy'; text: string; what?: string }
  | WebviewRequest;

export type HostToWebviewType = HostToWebview['type'];
export type WebviewToHostType = WebviewToHost['type'];

const HOST_TYPES: ReadonlySet<string> = new Set<HostToWebviewType>([
  'init', 'runStarted', 'appendSteps', 'runEnded', 'removeRun', 'selectRun', 'theme', 'notice', 'reply', 'labResult',
]);
const WEBVIEW_TYPES: ReadonlySet<string> = new Set<WebviewToHostType>([
  'ready', 'selectRun', 'selectStep', 'openFile', 'openResource', 'revealTraceFile', 'copy', 'request',
]);

export function isHostToWebview(value: unknown): value is HostToWebview {
  return typeof value === 'object' && value !== null && HOST_TYPES.has((value as { type?: unknown }).type as string);
}

export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type as string;
  if (!WEBVIEW_TYPES.has(type)) return false;
  if (type === 'openResource') {
    const r = value as { server?: unknown; uri?: unknown };
    return typeof r.server === 'string' && typeof r.uri === 'string';
  }
  if (type === 'request') {
    const r = value as { id?: unknown; method?: unknown };
    return typeof r.id === 'number' && (r.method === 'exportReport' || r.method === 'rerun' || r.method === 'saveLabReport');
  }
  return true;
}

/** What the webview persists with setState; the serializer of the panel reads it back. */
export interface WebviewPersistedState {
  v: 1;
  selectedRunId?: string;
  selectedStepId?: string;
  tab?: 'explorer' | 'metrics' | 'lab';
  filters?: { decision?: string; server?: string; tool?: string; text?: string };
  sort?: { key: string; dir: 'asc' | 'desc' };
  tableScrollTop?: number;
  timelineScrollTop?: number;
  /** Visible window of the timeline in ms from the run's start. */
  timelineView?: { start: number; end: number };
  theme?: 'light' | 'dark';
}

// ---- host side -------------------------------------------------------------------------------

/** The part of vscode.Webview the channel needs (structural, so this file stays vscode-free). */
export interface WebviewLike {
  postMessage(message: unknown): PromiseLike<boolean>;
  onDidReceiveMessage(listener: (message: unknown) => unknown): { dispose(): unknown };
}

/** Typed post for the host: the only way host code should send to the webview. */
export function postToWebview(webview: Pick<WebviewLike, 'postMessage'>, message: HostToWebview): PromiseLike<boolean> {
  return webview.postMessage(message);
}

export interface HostChannel {
  /** Sends now if the webview is ready, otherwise queues until `ready` (and drops the queue on a re-`ready`, which needs a fresh `init`). */
  post(message: HostToWebview): void;
  onMessage(listener: (message: Exclude<WebviewToHost, WebviewRequest>) => void): { dispose(): void };
  /** Called on every `ready`; answer with `post({type:'init', ...})`. */
  onReady(listener: () => void): { dispose(): void };
  handle<K extends RequestMethod>(method: K, handler: (params: RequestMap[K]['params']) => Promise<RequestMap[K]['result']>): void;
  readonly isReady: boolean;
  dispose(): void;
}

export function createHostChannel(webview: WebviewLike): HostChannel {
  let ready = false;
  let queue: HostToWebview[] = [];
  const listeners = new Set<(m: Exclude<WebviewToHost, WebviewRequest>) => void>();
  const readyListeners = new Set<() => void>();
  const handlers = new Map<RequestMethod, (params: never) => Promise<unknown>>();
  const send = (m: HostToWebview): void => void postToWebview(webview, m);
  const sub = webview.onDidReceiveMessage((raw) => {
    if (!isWebviewToHost(raw)) return;
    if (raw.type === 'ready') {
      // The webview dedupes steps by id, so live messages queued before ready may follow the init.
      const pending = queue;
      queue = [];
      ready = true;
      // With an onReady listener the listener sends a fresh init; without one, the queued init goes.
      const hasInitializer = readyListeners.size > 0;
      for (const l of readyListeners) l();
      for (const m of pending) if (!hasInitializer || m.type !== 'init') send(m);
      return;
    }
    if (raw.type === 'request') {
      const handler = handlers.get(raw.method);
      const reply = (m: HostToWebview): void => send(m);
      if (!handler) {
        const what = { rerun: 're-run sessions', exportReport: 'export reports', saveLabReport: 'save lab report cards' }[raw.method];
        reply({ type: 'reply', id: raw.id, ok: false, error: `This window cannot ${what}.` });
        return;
      }
      handler(raw.params as never).then(
        (result) => reply({ type: 'reply', id: raw.id, ok: true, result: result as RequestMap[RequestMethod]['result'] }),
        (err: unknown) => reply({ type: 'reply', id: raw.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
      );
      return;
    }
    for (const l of listeners) l(raw);
  });
  return {
    get isReady() {
      return ready;
    },
    post(m) {
      if (ready) send(m);
      else queue.push(m);
    },
    onMessage(l) {
      listeners.add(l);
      return { dispose: () => void listeners.delete(l) };
    },
    onReady(l) {
      readyListeners.add(l);
      return { dispose: () => void readyListeners.delete(l) };
    },
    handle(method, handler) {
      handlers.set(method, handler as (params: never) => Promise<unknown>);
    },
    dispose() {
      sub.dispose();
      listeners.clear();
      readyListeners.clear();
      handlers.clear();
      queue = [];
    },
  };
}

// ---- webview side ----------------------------------------------------------------------------

/** What `acquireVsCodeApi()` returns (a no-op shim outside VS Code). */
export interface VsCodeApiLike {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export interface WebviewChannel {
  post(message: Exclude<WebviewToHost, WebviewRequest>): void;
  request<K extends RequestMethod>(method: K, params: RequestMap[K]['params']): Promise<RequestMap[K]['result']>;
  /** Feed every HostToWebview message here; replies resolve pending requests, the rest go to `onMessage`. */
  receive(raw: unknown): void;
  onMessage(listener: (message: Exclude<HostToWebview, { type: 'reply' }>) => void): void;
}

export function createWebviewChannel(api: Pick<VsCodeApiLike, 'postMessage'>): WebviewChannel {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Exclude<HostToWebview, { type: 'reply' }>) => void)[] = [];
  return {
    post(message) {
      api.postMessage(message);
    },
    request(method, params) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: never) => void, reject });
        api.postMessage({ type: 'request', id, method, params } as WebviewRequest);
      });
    },
    receive(raw) {
      if (!isHostToWebview(raw)) return;
      if (raw.type === 'reply') {
        const p = pending.get(raw.id);
        if (!p) return;
        pending.delete(raw.id);
        if (raw.ok) p.resolve(raw.result as never);
        else p.reject(new Error(raw.error));
        return;
      }
      for (const l of listeners) l(raw);
    },
    onMessage(listener) {
      listeners.push(listener);
    },
  };
}
