// A server's log messages (notifications/message) go to its output channel, next to its stderr, with
// secrets and PII masked first: an output channel is easily copied into an issue.
import type { LoggingMessageNotificationParams } from '../../core/servers/serverRequests';
import { scanValue } from '../../core/guards/redact';
import type { GuardrailsConfig } from '../../core/guards/types';
import type { ServerOutputChannels } from '../serverOutput';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LoggingMessageNotificationParams['level'], Level> = {
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  alert: 'error',
  emergency: 'error',
};

/** The line shown for a log message: `[logger] level: text`, redacted. */
export function logLine(params: LoggingMessageNotificationParams, guardrails: GuardrailsConfig): string {
  const redact = [...new Set([...guardrails.redact, 'secrets' as const])];
  const data = scanValue(params.data, { ...guardrails, redact }, undefined, 'record').redacted;
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  const level = ['notice', 'critical', 'alert', 'emergency'].includes(params.level) ? `${params.level}: ` : '';
  return `[${params.logger ?? 'log'}] ${level}${text}`;
}

export function routeServerLog(
  output: ServerOutputChannels,
  guardrails: () => GuardrailsConfig,
  server: string,
  params: LoggingMessageNotificationParams,
): void {
  output.channel(server)[LEVELS[params.level] ?? 'info'](logLine(params, guardrails()));
}
