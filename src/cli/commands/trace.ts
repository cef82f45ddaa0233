// `mcp-harness trace export --format otlp-json TRACE [-o FILE]`: a trace file as an OTLP/JSON
// ExportTraceServiceRequest, for any OpenTelemetry backend that imports OTLP JSON (or a collector's
// otlpjsonfile receiver).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { exportTraceAsOtlpJson, TraceExportError } from '../../core/otel/traceExport';
import { CliError, EXIT_FAILURE, EXIT_OK, UsageError, type CliCommand } from '../io';

const FORMATS = ['otlp-json'];

export const traceCommand: CliCommand = {
  usage: [
    'Usage: mcp-harness trace export --format otlp-json TRACE.jsonl [-o FILE] [--otlp-content]',
    '',
    'Writes the run in TRACE.jsonl as an OpenTelemetry OTLP/JSON ExportTraceServiceRequest: the same spans',
    '(session, tool calls, model turns, sandboxed code and its calls), names, attributes and ids that',
    '--otlp sends while the run happens. Prints to stdout unless -o is given.',
    '',
    '  --format otlp-json  the output format (the only one, and the default)',
    '  -o, --out FILE      write there instead of stdout (its folder is created; "-" is stdout)',
    '  --otlp-content      include the (redacted) arguments and results the trace holds',
    '',
    'Exit codes: 0 written, 1 the trace could not be read, 2 bad arguments.',
  ].join('\n'),
  options: {
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    'otlp-content': { type: 'boolean' },
  },
  positionals: { min: 2, max: 2 },
  async run({ values, positionals }, io) {
    const [action, file] = positionals;
    if (action !== 'export') throw new UsageError(`'${action}' is not a trace action; use \`mcp-harness trace export --format otlp-json TRACE.jsonl\`.`);
    const format = (values.format as string | undefined) ?? 'otlp-json';
    if (!FORMATS.includes(format)) throw new UsageError(`--format ${format} is not supported; use --format otlp-json.`);
    let text: string;
    try {
      text = await exportTraceAsOtlpJson(resolve(io.cwd, file), { includeContent: values['otlp-content'] === true });
    } catch (err) {
      if (err instanceof TraceExportError) throw new CliError(err.message, EXIT_FAILURE, 'unreadable');
      throw err;
    }
    if (typeof values.out === 'string' && values.out !== '-') {
      const out = resolve(io.cwd, values.out);
      try {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, text + '\n');
      } catch (err) {
        throw new UsageError(`could not write ${out}: ${(err as Error).message}. Pass -o with a writable path.`);
      }
      io.stderr(`Wrote ${out}\n`);
    } else {
      io.stdout(text + '\n');
    }
    return EXIT_OK;
  },
};
