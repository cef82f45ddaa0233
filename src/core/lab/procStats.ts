// Resident memory and CPU of a local process, sampled from /proc while a benchmark runs. Linux only;
// elsewhere (or for a remote server) the sampler reports nothing rather than guessing.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

const CLOCK_TICKS_PER_SECOND = 100;
export const SAMPLE_INTERVAL_MS = 100;

export interface ProcessUsage {
  samples: number;
  max_rss_mb: number;
  avg_cpu_percent: number;
}

function readTicksAndRss(pid: number): { ticks: number; rssMb: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: the fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { ticks, rssMb: rssKb / 1024 };
  } catch {
    return undefined;
  }
}

export class ProcessSampler {
  private timer?: NodeJS.Timeout;
  private first?: { ticks: number; at: number };
  private last?: { ticks: number; at: number };
  private maxRss = 0;
  private samples = 0;

  constructor(private readonly pid: number | undefined) {}

  start(): void {
    if (!this.pid) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): ProcessUsage | undefined {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    if (!this.first || !this.last || this.samples < 2) return undefined;
    const seconds = (this.last.at - this.first.at) / 1000;
    const cpu = seconds > 0 ? ((this.last.ticks - this.first.ticks) / CLOCK_TICKS_PER_SECOND / seconds) * 100 : 0;
    return { samples: this.samples, max_rss_mb: round(this.maxRss), avg_cpu_percent: round(cpu) };
  }

  private sample(): void {
    if (!this.pid) return;
    const s = readTicksAndRss(this.pid);
    if (!s) return;
    const point = { ticks: s.ticks, at: Date.now() };
    this.first ??= point;
    this.last = point;
    this.maxRss = Math.max(this.maxRss, s.rssMb);
    this.samples++;
  }
}

export interface MachineInfo {
  cores: number;
  loadavg: number[];
}

export function machineInfo(): MachineInfo {
  return { cores: cpus().length, loadavg: loadavg().map(round) };
}

/** A run is noisy when the machine was already busy: the 1-minute load above 75 % of its cores. */
export function isNoisy(m: MachineInfo): boolean {
  return (m.loadavg[0] ?? 0) > m.cores * 0.75;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
