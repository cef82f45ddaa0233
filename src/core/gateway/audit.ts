// The gateway's audit log: one JSON line per call, denial and admin action (start, stop, token created),
// append-only, secrets and PII masked, rotated by size (audit.jsonl → audit.jsonl.1 → … → .<keep>).
// Entries wait one event-loop turn (NextTurnBatch) and are then appended synchronously, so a call never
// waits for the disk; redaction runs there too, off the call's path.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_GUARDRAILS } from '../guards/defaults';
import { scanValue } from '../guards/redact';
import type { GuardrailsConfig } from '../guards/types';
import { NextTurnBatch } from '../util/nextTurn';

export const DEFAULT_AUDIT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_AUDIT_KEEP = 5;

/** `.mcp-harness/audit/gateway.jsonl`, in a folder git ignores (the log names tools and arguments). */
export function defaultAuditFile(folder: string): string {
  const dir = join(folder, '.mcp-harness', 'audit');
  mkdirSync(dir, { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# MCP Harness: the gateway audit log; keep it out of git.\n*\n');
  return join(dir, 'gateway.jsonl');
}

export type AuditKind = 'call' | 'denial' | 'admin' | 'resource' | 'prompt' | 'rejected';

export interface AuditEntry {
  kind: AuditKind;
  /** What happened, e.g. `start`, `stop`, `token_created`, or the call's decision. */
  action: string;
  [field: string]: unknown;
}

export interface AuditOptions {
  file: string;
  /** Rotate when the file would grow past this many bytes. */
  maxBytes?: number;
  /** Rotated files kept (older ones are deleted). */
  keep?: number;
  guardrails?: GuardrailsConfig;
  now?: () => Date;
}

export class AuditLog {
  private fd: number | undefined;
  private size = 0;
  private readonly batch = new NextTurnBatch<AuditEntry>((entries) => this.append(entries));
  private readonly maxBytes: number;
  private readonly keep: number;
  private redaction: GuardrailsConfig;
  private readonly now: () => Date;

  constructor(private readonly options: AuditOptions) {
    this.maxBytes = options.maxBytes ?? DEFAULT_AUDIT_MAX_BYTES;
    this.keep = Math.max(1, options.keep ?? DEFAULT_AUDIT_KEEP);
    this.redaction = auditRedaction(options.guardrails);
    this.now = options.now ?? (() => new Date());
    mkdirSync(dirname(options.file), { recursive: true });
    this.open();
  }

  /** The host's guardrails changed (a reloaded setting): entries written from now on are masked with them. */
  setGuardrails(guardrails: GuardrailsConfig): void {
    this.redaction = auditRedaction(guardrails);
  }

  get file(): string {
    return this.options.file;
  }

  write(entry: AuditEntry): void {
    if (this.fd === undefined) return;
    this.batch.push({ ts: this.now().toISOString(), ...entry });
  }

  /** Writes every buffered entry now. */
  flush(): void {
    this.batch.drain();
  }

  private append(entries: AuditEntry[]): void {
    if (this.fd === undefined) return;
    for (const entry of entries) {
      const line = JSON.stringify(scanValue(entry, this.redaction, undefined, 'record').redacted) + '\n';
      const bytes = Buffer.byteLength(line);
      if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
      writeSync(this.fd, line);
      this.size += bytes;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    this.batch.dispose();
    closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    this.fd = openSync(this.options.file, 'a', 0o600);
    this.size = statSync(this.options.file).size;
  }

  private rotate(): void {
    closeSync(this.fd!);
    const base = this.options.file;
    rmSync(`${base}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      if (existsSync(`${base}.${i}`)) renameSync(`${base}.${i}`, `${base}.${i + 1}`);
    }
    renameSync(base, `${base}.1`);
    this.open();
  }
}

/** The audit log always masks secrets and PII, whatever the guardrails say about tool output. */
function auditRedaction(guardrails: GuardrailsConfig | undefined): GuardrailsConfig {
  return { ...(guardrails ?? DEFAULT_GUARDRAILS), redact: ['secrets', 'pii'], tokenizePii: false };
}
