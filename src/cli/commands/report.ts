// `mcp-harness report TRACE.jsonl [more.jsonl ...] --json F --html F --csv F --xlsx F`
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeCsv } from '../../core/report/csv';
import { WebviewBundleMissingError, writeHtmlReport } from '../../core/report/html';
import { writeJsonReport } from '../../core/report/json';
import { summarise } from '../../core/report/metrics';
import { loadTraceFile, TraceFileError } from '../../core/report/load';
import { mergeLoads, type TraceLoad } from '../../core/report/model';
import { writeXlsx } from '../../core/report/xlsx';
import { CliError, type CliCommand, UsageError } from '../io';

/** How many unreadable lines are listed on stderr before the rest is summarised. */
export const MAX_BAD_LINES_SHOWN = 20;

const FORMATS = ['json', 'html', 'csv', 'xlsx'] as const;

export const reportCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness report TRACE.jsonl|FOLDER [MORE ...] [--json FILE] [--html FILE] [--csv FILE] [--xlsx FILE]',
    '',
    'Reads one or more trace files (JSONL, as written under .mcp-harness/traces/; a folder stands for the',
    '*.jsonl files in it, e.g. .mcp-harness/traces) and writes a report of every session run in them.',
    'Give at least one output; FILE "-" writes JSON, HTML or CSV to stdout.',
    '',
    'Options:',
    '  --json FILE        {mcp_details: {sessions, summary}} with masked arguments and outputs',
    '  --html FILE        one self-contained HTML file with the trace explorer (opens offline)',
    '  --csv FILE         one row per step',
    '  --xlsx FILE        a workbook with MCP_Details, Sessions and Tools sheets',
    '  --title TEXT       title of the HTML report',
    '  --omit-payloads    leave arguments, outputs and logs out of the JSON report',
    '',
    'Lines of a trace that cannot be read are skipped with a warning; the good runs are still reported.',
    'Exit codes: 0 written, 1 a report could not be written, 2 bad arguments or no readable trace.',
  ].join('\n'),
  options: {
    json: { type: 'string' },
    html: { type: 'string' },
    csv: { type: 'string' },
    xlsx: { type: 'string' },
    title: { type: 'string' },
    'omit-payloads': { type: 'boolean' },
  },
  positionals: { min: 1, max: 1000 },
  async run({ values, positionals }, io) {
    const outputs = FORMATS.filter((f) => typeof values[f] === 'string').map((f) => ({ format: f, target: values[f] as string }));
    if (!outputs.length) throw new UsageError('say which report to write: add --json FILE, --html FILE, --csv FILE or --xlsx FILE.');
    for (const o of outputs) if (o.target === '') throw new UsageError(`--${o.format} needs a file name.`);
    if (outputs.filter((o) => o.target === '-').length > 1) throw new UsageError('only one report can go to stdout ("-"); give the others file names.');
    const xlsxToStdout = outputs.find((o) => o.format === 'xlsx' && o.target === '-');
    if (xlsxToStdout) throw new UsageError('an XLSX workbook cannot be written to stdout; give --xlsx a file name.');

    const loads: TraceLoad[] = [];
    for (const p of traceFiles(positionals, io.cwd)) {
      try {
        loads.push(await loadTraceFile(p));
      } catch (err) {
        if (err instanceof TraceFileError) throw new UsageError(err.message);
        throw err;
      }
    }
    const { runs, badLines } = mergeLoads(loads);
    if (badLines.length) {
      for (const b of badLines.slice(0, MAX_BAD_LINES_SHOWN)) io.stderr(`mcp-harness: warning: ${b.source ?? 'trace'}:${b.line}: ${b.message}\n`);
      if (badLines.length > MAX_BAD_LINES_SHOWN) io.stderr(`mcp-harness: warning: …and ${badLines.length - MAX_BAD_LINES_SHOWN} more unreadable lines.\n`);
    }
    if (!runs.length) {
      throw new UsageError(
        badLines.length
          ? `no session run could be read from ${positionals.join(', ')} (${badLines.length} unreadable line${badLines.length === 1 ? '' : 's'}). Check that these are MCP Harness trace files.`
          : `${positionals.join(', ')} contain${positionals.length === 1 ? 's' : ''} no session runs. Run a session first (mcp-harness run).`,
      );
    }

    const written: string[] = [];
    for (const { format, target } of outputs) {
      const path = target === '-' ? '-' : resolve(io.cwd, target);
      try {
        if (format === 'xlsx') {
          mkdirSync(dirname(path), { recursive: true });
          await writeXlsx(runs, path);
        } else {
          const text =
            format === 'json'
              ? writeJsonReport(runs, { omitPayloads: values['omit-payloads'] === true })
              : format === 'csv'
                ? writeCsv(runs)
                : writeHtmlReport(runs, { badLines, ...(typeof values.title === 'string' ? { title: values.title } : {}) });
          if (path === '-') io.stdout(text);
          else {
            mkdirSync(dirname(path), { recursive: true });
            writeFileSync(path, text, 'utf8');
          }
        }
      } catch (err) {
        if (err instanceof WebviewBundleMissingError) throw new CliError(err.message);
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EISDIR') throw new CliError(`could not write the ${format.toUpperCase()} report: ${path} is a folder. Give --${format} a file name, e.g. ${join(path, `report.${format}`)}.`);
        if (e.code && e.syscall) {
          const reason = e.message.startsWith(`${e.code}:`) ? e.message : `${e.code}: ${e.message}`;
          throw new CliError(`could not write the ${format.toUpperCase()} report to ${path} (${reason}). Check the path and its permissions.`);
        }
        throw err;
      }
      if (path !== '-') written.push(`${format.toUpperCase()} → ${path}`);
    }
    const { total_steps: steps, total_logs: logs } = summarise(runs);
    if (written.length) {
      io.stderr(`Wrote a report of ${runs.length} session run${runs.length === 1 ? '' : 's'} (${steps} step${steps === 1 ? '' : 's'}${logs ? `, ${logs} server log record${logs === 1 ? '' : 's'}` : ''}): ${written.join(', ')}\n`);
    }
    return 0;
  },
};

/** The trace files named: a folder stands for its *.jsonl files (by name); each file is read once. */
function traceFiles(positionals: string[], cwd: string): string[] {
  const files = new Set<string>();
  for (const p of positionals) {
    const path = resolve(cwd, p);
    let folder = false;
    try {
      folder = statSync(path).isDirectory();
    } catch {
      // Not there: loadTraceFile says so.
    }
    if (!folder) {
      files.add(path);
      continue;
    }
    const inside = readdirSync(path).filter((f) => f.endsWith('.jsonl')).sort();
    if (!inside.length) throw new UsageError(`${p} holds no trace files (*.jsonl). Run a session first (mcp-harness run), or name trace files.`);
    for (const f of inside) files.add(join(path, f));
  }
  return [...files];
}
