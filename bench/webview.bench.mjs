// Trace explorer figures in headless chromium (bundle as built by esbuild.mjs):
//  - report page: navigation start → first frame with the table and the timeline drawn, for a
//    10 000-step trace side by side with a 100-step one (interleaved, medians of 5);
//  - webview path: `init` message with 10 000 steps → first frame (what the VS Code panel does);
//  - scrolling the 10 000-row table: p95 of frame time over 60 scroll steps;
//  - JS heap after GC with the 10 000-step trace loaded, and of an empty explorer for comparison.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launch } from '../test/e2e/webview/browser.mjs';
import { generateBigTrace } from '../test/fixtures/traces/generate.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = 5;
const TARGET_MS = 500;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function firstPaint(page) {
  await page.waitForFunction(() => performance.getEntriesByName('mh-first-paint').length > 0, null, { timeout: 60_000 });
  return page.evaluate(() => performance.getEntriesByName('mh-first-paint')[0].startTime);
}

async function heapAfterGc(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / (1024 * 1024);
}

export async function run() {
  const work = mkdtempSync(join(tmpdir(), 'mh-webview-bench-'));
  const browser = await launch({ width: 1400, height: 900 });
  try {
    const pages = {};
    const traces = {};
    for (const n of [100, 10_000]) {
      const trace = join(work, `t${n}.jsonl`);
      traces[n] = generateBigTrace(n);
      writeFileSync(trace, traces[n]);
      const html = join(work, `t${n}.html`);
      execFileSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'report', trace, '--html', html], { stdio: 'ignore' });
      pages[n] = pathToFileURL(html).href;
    }
    const times = { 100: [], 10000: [] };
    const allLoaded = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const n of [100, 10_000]) {
        const page = await browser.context.newPage();
        await page.goto(pages[n]);
        times[n].push(await firstPaint(page));
        if (n === 10_000) {
          // The later blocks parsed and every step in the table (sortable and filterable).
          await page.waitForFunction(() => document.querySelector('.mh-count')?.textContent === '10,000 steps', null, { timeout: 60_000 });
          allLoaded.push(await page.evaluate(() => performance.now()));
        }
        await page.close();
      }
    }
    const big = median(times[10000]);
    const small = median(times[100]);

    // The panel path: the host posts init with the runs after `ready`.
    const host = join(work, 'host.html');
    writeFileSync(host, `<!DOCTYPE html><html><body><div id="mcp-harness-root"></div><script src="${pathToFileURL(join(ROOT, 'dist', 'webview.js')).href}"></script></body></html>`);
    const lines = traces[10000].trim().split('\n').map((l) => JSON.parse(l));
    const runSnapshot = { id: lines[0].session_id, header: lines[0], steps: lines.filter((l) => l.type === 'step'), end: lines[lines.length - 1] };
    const initTimes = [];
    let heapLoaded = 0;
    let heapEmpty = 0;
    let scrollP95 = 0;
    for (let r = 0; r < 3; r++) {
      const page = await browser.context.newPage();
      await page.addInitScript(() => {
        window.acquireVsCodeApi = () => ({ postMessage: () => undefined, getState: () => undefined, setState: () => undefined });
      });
      await page.goto(pathToFileURL(host).href);
      await page.waitForSelector('.mh-header');
      if (r === 0) heapEmpty = await heapAfterGc(page);
      await page.evaluate((run) => (window.__run = run), runSnapshot);
      initTimes.push(
        await page.evaluate(async () => {
          const t0 = performance.now();
          window.postMessage({ type: 'init', runs: [window.__run] }, '*');
          delete window.__run;
          await new Promise((res) => {
            const check = () => (performance.getEntriesByName('mh-first-paint').length ? res() : requestAnimationFrame(check));
            check();
          });
          return performance.getEntriesByName('mh-first-paint')[0].startTime - t0;
        }),
      );
      if (r === 0) {
        heapLoaded = await heapAfterGc(page);
        scrollP95 = await page.evaluate(async () => {
          const body = document.querySelector('.mh-grid-body');
          const frames = [];
          let last = performance.now();
          for (let i = 0; i < 60; i++) {
            body.scrollTop += 2400;
            await new Promise((res) => requestAnimationFrame(res));
            const now = performance.now();
            frames.push(now - last);
            last = now;
          }
          frames.sort((a, b) => a - b);
          return frames[Math.floor(frames.length * 0.95)];
        });
      }
      await page.close();
    }
    const initMs = median(initTimes);
    return {
      name: 'webview',
      metrics: [
        { name: 'report 10k steps: load → first paint (table + timeline)', value: big, unit: 'ms', target: `<= ${TARGET_MS}`, pass: big <= TARGET_MS },
        { name: 'report 10k steps: load → every step in the table', value: median(allLoaded), unit: 'ms' },
        { name: 'report 100 steps: load → first paint', value: small, unit: 'ms' },
        { name: 'first paint ratio 10k / 100 steps', value: big / small, unit: 'x' },
        { name: 'panel 10k steps: init message → first paint', value: initMs, unit: 'ms', target: `<= ${TARGET_MS}`, pass: initMs <= TARGET_MS },
        { name: 'scrolling 10k rows: frame time p95', value: scrollP95, unit: 'ms' },
        { name: 'JS heap with 10k steps (after GC)', value: heapLoaded, unit: 'MB' },
        { name: 'JS heap of an empty explorer (after GC)', value: heapEmpty, unit: 'MB' },
        { name: 'machine load average (1 min) during the bench', value: loadavg()[0], unit: '' },
      ],
      notes: `medians of ${ROUNDS} fresh pages (report) and 3 (panel); the 10k report HTML embeds the whole trace (${(traces[10000].length / 1048576).toFixed(1)} MB of JSON) in blocks: the first paint needs only the first block (every run's header and first screen of steps), the rest is parsed after it.`,
    };
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
}
