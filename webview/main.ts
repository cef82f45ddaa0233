// Entry of the trace explorer bundle (dist/webview.js). Runs in a VS Code webview (talks to the
// host through acquireVsCodeApi) or in a self-contained HTML report (reads the embedded runs).
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { createWebviewChannel, PROTOCOL_VERSION, WEBVIEW_ROOT_ID, type VsCodeApiLike, type WebviewPersistedState } from '../src/protocol/messages';
import { App } from './app';
import { loadFurtherBlocks, readFirstBlock } from './embedded';
import labStyles from './lab.css';
import styles from './styles.css';
import themes from './themes.css';

declare function acquireVsCodeApi(): VsCodeApiLike;

function adopt(cssText: string): void {
  // Constructed sheets need no 'unsafe-inline' and no nonce, so the host's CSP can stay strict.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(cssText);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

function start(): void {
  const inVsCode = typeof acquireVsCodeApi === 'function';
  const api: VsCodeApiLike = inVsCode
    ? acquireVsCodeApi()
    : (() => {
        let state: unknown;
        return { postMessage: () => undefined, getState: () => state, setState: (s: unknown) => void (state = s) };
      })();
  let root = document.getElementById(WEBVIEW_ROOT_ID);
  if (!root) {
    root = document.createElement('div');
    root.id = WEBVIEW_ROOT_ID;
    document.body.appendChild(root);
  }
  adopt(styles);
  adopt(labStyles);
  const block = readFirstBlock();
  const embedded = block && 'report' in block ? block.report : undefined;
  const dataError = block && 'error' in block ? block.error : undefined;
  const standalone = !inVsCode;
  let theme: 'light' | 'dark' = 'light';
  const setTheme = (t: 'light' | 'dark'): void => {
    theme = t;
    document.body.dataset.mhTheme = t;
  };
  if (standalone) {
    adopt(themes);
    const saved = (api.getState() as WebviewPersistedState | undefined)?.theme;
    setTheme(saved ?? (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  }
  const channel = inVsCode ? createWebviewChannel(api) : undefined;
  const app = new App(root, {
    channel,
    standalone,
    title: embedded?.title,
    state: { get: () => api.getState() as WebviewPersistedState | undefined, set: (s) => api.setState(s) },
    ...(standalone ? { setTheme, currentTheme: () => theme } : {}),
  });
  if (embedded) {
    if (embedded.title) document.title = embedded.title;
    app.markInitialised();
    app.handle({ type: 'init', runs: embedded.runs, badLines: embedded.badLines });
    loadFurtherBlocks(
      embedded.chunks ?? 0,
      (sessionId, steps) => app.handle({ type: 'appendSteps', sessionId, steps }),
      (message) => app.handle({ type: 'notice', level: 'error', message }),
    );
  } else if (dataError) {
    app.markInitialised();
    app.handle({ type: 'init', runs: [], badLines: [{ line: 0, message: dataError }] });
  }
  if (channel) {
    channel.onMessage((m) => {
      if (m.type === 'init') app.markInitialised();
      app.handle(m);
    });
    window.addEventListener('message', (e: MessageEvent) => channel.receive(e.data));
    channel.post({ type: 'ready', protocol: PROTOCOL_VERSION });
  } else if (!embedded && !dataError) {
    // Opened without a host and without data (a test page): accept host messages posted to the window.
    window.addEventListener('message', (e: MessageEvent) => {
      const m = e.data as { type?: string };
      if (m && typeof m.type === 'string' && m.type !== 'reply') {
        if (m.type === 'init') app.markInitialised();
        app.handle(m as never);
      }
    });
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
