// The lab's result as a self-contained HTML report card (no scripts, no external resources) and as a
// short Markdown summary for a pull-request comment.
import { formatBudget } from './budget';
import { SEVERITY_COST } from './score';
import type { LabFinding, LabResult, SuiteResult } from './types';
import type { LevelStats } from './bench';

const SEVERITY_ORDER: LabFinding['severity'][] = ['critical', 'major', 'minor', 'info'];

export function grade(score: number): string {
  return score >= 90 ? 'A' : score >= 75 ? 'B' : score >= 60 ? 'C' : score >= 40 ? 'D' : 'F';
}

function sorted(findings: LabFinding[]): LabFinding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
}

/** Why the score covers only part of the run, or undefined when the lab ran to its end. */
export function partialNote(r: LabResult): string | undefined {
  if (r.cancelled) return 'cancelled, partial result';
  if (!r.cut_short) return undefined;
  const stopped = r.cut_short.stopped ?? [];
  const parts = [...(stopped.length ? [`${stopped.join(', ')} stopped`] : []), ...(r.cut_short.not_started.length ? [`${r.cut_short.not_started.join(', ')} not started`] : [])];
  return `cut short by the budget of ${formatBudget(r.cut_short.budget_ms)} (${parts.join('; ')}), partial result`;
}

export function markdownSummary(r: LabResult, options: { maxFindings?: number } = {}): string {
  const max = options.maxFindings ?? 10;
  const lines = [
    `### MCP reliability: \`${r.server}\` scores **${r.score}/100** (${grade(r.score)})${partialNote(r) ? ` on the suites that ran — ${partialNote(r)}` : ''}`,
    '',
    '| suite | score | weight | findings |',
    '|---|---:|---:|---:|',
    ...r.suites.map((s) => `| ${s.suite} | ${s.ran ? `${s.score}${s.stopped === 'budget' ? ' (stopped by the budget: partial)' : ''}` : `skipped: ${s.skipped ?? ''}`} | ${s.weight} | ${s.findings.length} |`),
    '',
  ];
  const shown = sorted(r.findings).filter((f) => f.severity !== 'info').slice(0, max);
  if (shown.length) {
    lines.push('**Findings**', '');
    for (const f of shown) lines.push(`- **${f.severity}** \`${f.kind}\`${f.tool ? ` (${f.tool})` : ''}: ${f.message.replace(/\n/g, ' ')}`);
    const rest = r.findings.filter((f) => f.severity !== 'info').length - shown.length;
    if (rest > 0) lines.push(`- … and ${rest} more in the full report`);
    lines.push('');
  } else lines.push('No findings above info.', '');
  lines.push(`<sub>mcp-harness lab, seed ${r.seed}, ${Math.round(r.duration_ms / 1000)} s on ${r.machine.cores} cores (load ${r.machine.loadavg.join(' ')}).</sub>`);
  return lines.join('\n') + '\n';
}

function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function bars(rows: { label: string; value: number; max: number; note?: string }[], width = 420): string {
  const h = 22;
  const body = rows
    .map((row, i) => {
      const w = row.max > 0 ? Math.max(1, (row.value / row.max) * (width - 170)) : 0;
      return `<text x="0" y="${i * h + 15}">${esc(row.label)}</text><rect x="110" y="${i * h + 4}" width="${w.toFixed(1)}" height="14" rx="2"/><text x="${(115 + w).toFixed(1)}" y="${i * h + 15}">${esc(row.note ?? row.value)}</text>`;
    })
    .join('');
  return `<svg role="img" width="${width}" height="${rows.length * h + 4}" viewBox="0 0 ${width} ${rows.length * h + 4}">${body}</svg>`;
}

function suiteSection(s: SuiteResult): string {
  if (!s.ran) return `<h3>${esc(s.suite)}: skipped</h3><p>${esc(s.skipped ?? '')}</p>`;
  const findings = sorted(s.findings);
  const table = findings.length
    ? `<table><thead><tr><th>severity</th><th>kind</th><th>tool</th><th>finding</th></tr></thead><tbody>${findings
        .map((f) => `<tr class="${f.severity}"><td>${f.severity} (−${SEVERITY_COST[f.severity]})</td><td><code>${esc(f.kind)}</code></td><td>${esc(f.tool ?? '')}</td><td>${esc(f.message)}${f.replay ? `<br><small>replay: <code>${esc(f.replay)}</code></small>` : ''}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p>No findings.</p>';
  return `<h3>${esc(s.suite)}: ${s.score}/100${s.stopped === 'budget' ? ' (stopped by the budget: partial)' : ''}</h3>${table}${s.suite === 'bench' ? benchSection(s) : ''}<details><summary>figures</summary><pre>${esc(JSON.stringify(s.stats, null, 2))}</pre></details>`;
}

function benchSection(s: SuiteResult): string {
  const levels = (s.stats.levels ?? []) as LevelStats[];
  if (!levels.length) return '';
  const rows = levels.map((l) => `<tr><td>${l.concurrency}</td><td>${l.calls}</td><td>${l.calls_per_s}</td><td>${l.latency_ms.p50}</td><td>${l.latency_ms.p95}</td><td>${l.latency_ms.p99}</td><td>${l.latency_ms.max}</td><td>${(l.error_rate * 100).toFixed(1)} %</td><td>${l.server ? `${l.server.max_rss_mb} MB / ${l.server.avg_cpu_percent} %` : 'n/a'}</td></tr>`).join('');
  const first = levels[0];
  const maxCount = Math.max(...first.distribution.map(([, c]) => c), 1);
  const chart = bars(first.distribution.map(([ms, count]) => ({ label: `≤ ${ms} ms`, value: count, max: maxCount })));
  return `${s.stats.noisy ? '<p class="noisy">The machine was busy during this run (load above 75 % of its cores): compare these figures with care.</p>' : ''}<table><thead><tr><th>concurrency</th><th>calls</th><th>calls/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>errors</th><th>server RSS / CPU</th></tr></thead><tbody>${rows}</tbody></table><h4>Latency distribution at concurrency ${first.concurrency}</h4>${chart}`;
}

export function htmlReport(r: LabResult): string {
  const breakdown = bars(r.suites.map((s) => ({ label: s.suite, value: s.ran ? s.score : 0, max: 100, note: s.ran ? `${s.score} × ${s.weight}` : 'skipped' })));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Reliability of ${esc(r.server)}: ${r.score}/100</title>
<style>body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2328}
.score{font-size:3rem;font-weight:700}.grade{font-size:1.5rem;margin-left:.5rem;color:#57606a}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border-bottom:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
tr.critical td:first-child{color:#b42318;font-weight:700}tr.major td:first-child{color:#b54708}tr.minor td:first-child{color:#6941c6}
svg text{font-size:12px;fill:#1f2328}svg rect{fill:#2f81f7}.noisy{background:#fff8c5;padding:.4rem}pre{background:#f6f8fa;padding:.5rem;overflow:auto}</style></head>
<body><h1>Reliability report: <code>${esc(r.server)}</code></h1>
<p><span class="score">${r.score}</span><span class="grade">/100 · ${grade(r.score)}</span></p>${r.cancelled ? '<p class="noisy">This run was cancelled: a partial result; the score covers only the suites that ran (suites not started are skipped).</p>' : ''}${r.cut_short && !r.cancelled ? `<p class="noisy">This run was ${esc(partialNote(r))}: the score covers only the suites that ran${r.cut_short.stopped?.length ? `, and ${esc(r.cut_short.stopped.join(', '))} only what ${r.cut_short.stopped.length > 1 ? 'they' : 'it'} did before ${r.cut_short.stopped.length > 1 ? 'they were' : 'it was'} stopped` : ''}.</p>` : ''}
<p>Seed ${r.seed} · ${(r.duration_ms / 1000).toFixed(1)} s · ${esc(r.started_at)} · ${r.machine.cores} cores, load ${esc(r.machine.loadavg.join(' '))} · node ${esc(r.machine.node)}</p>
<h2>Score by suite</h2>${breakdown}
<p><small>Suite score = 100 − the cost of its findings (critical ${SEVERITY_COST.critical}, major ${SEVERITY_COST.major}, minor ${SEVERITY_COST.minor}, info 0), at least 0; conformance: 100 × passed / applicable scenarios. The overall score is the weighted mean over the suites that ran.</small></p>${r.scratch?.length ? `<p>Tools that may modify data ran on scratch copies: ${r.scratch.map((c) => `<code>${esc(c.from)}</code> → <code>${esc(c.to)}</code>`).join(', ')}.</p>` : ''}
<h2>Suites</h2>${r.suites.map(suiteSection).join('\n')}
<h2>Traces</h2><ul>${r.trace_files.map((f) => `<li><code>${esc(f)}</code></li>`).join('')}</ul>
</body></html>
`;
}
