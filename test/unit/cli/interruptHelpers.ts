// Sends SIGINT/SIGTERM to the built CLI in the middle of its work: the command is started, the signal goes out
// once a fixture server logs a call under way, and (with `again`) a second one once the CLI says it is stopping.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { descendants } from '../../../src/core/servers/processTree';

export interface Interrupted {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The processes below the CLI when the first signal was sent. */
  children: number[];
}

export interface InterruptOptions {
  cwd: string;
  /** The fixture server's call log: the signal goes out once it exists. */
  callLog: string;
  signal: NodeJS.Signals;
  /** Send the signal a second time once the CLI has said it is stopping. */
  again?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Written to the CLI's standard input, which stays open (a stdio gateway's client). */
  input?: string;
  /**
   * Fail (and kill what is left) when the CLI has not ended this long after the first signal: for a wait that
   * would otherwise end only by a timeout of the CLI's own, such as a server's 30 s start timeout.
   */
  endWithinMs?: number;
}

export function interruptCli(cli: string, args: string[], o: InterruptOptions): Promise<Interrupted> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: o.cwd, env: { ...process.env, MCP_HARNESS_VERBOSE: '', ...o.env }, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (o.input !== undefined) child.stdin!.write(o.input);
    let stdout = '';
    let stderr = '';
    let children: number[] = [];
    let sentSecond = false;
    let late: NodeJS.Timeout | undefined;
    const poll = setInterval(() => {
      if (children.length || !existsSync(o.callLog)) return;
      children = descendants(child.pid!);
      child.kill(o.signal);
      clearInterval(poll);
      if (o.endWithinMs !== undefined) late = setTimeout(() => giveUp(`the CLI had not ended ${o.endWithinMs} ms after ${o.signal}`), o.endWithinMs);
    }, 20);
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => {
      stderr += c;
      if (o.again && !sentSecond && /\(press Ctrl-C again to exit at once\)/.test(stderr)) {
        sentSecond = true;
        child.kill(o.signal);
      }
    });
    // A CLI that never ends is killed with everything under it, so a failing test leaves no process behind.
    const giveUp = (why: string) => {
      for (const pid of [...descendants(child.pid!), child.pid!, ...children]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      fail(new Error(`${why}; stderr: ${stderr.slice(-2000)}`));
    };
    const guard = setTimeout(() => giveUp('the CLI did not end within 45 s of starting'), 45_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(guard);
      clearTimeout(late);
      clearInterval(poll);
      child.stdin?.destroy();
      done({ code, stdout, stderr, children });
    });
  });
}

/**
 * Runs `exec -` with a standard input that stays open, and sends `signal` once the CLI is reading it: the write of
 * more than a pipe's buffer completes only when the CLI has taken most of it, which it does only after its
 * signal handling is in place.
 */
export function interruptStdinRead(cli: string, cwd: string, signal: NodeJS.Signals): Promise<Interrupted> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, 'exec', '-', '--json'], { cwd, env: { ...process.env, MCP_HARNESS_VERBOSE: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    // The CLI closing its end of the pipe is what the fix does; the write side then sees EPIPE.
    child.stdin!.on('error', () => {});
    child.stdin!.write(`return 'ran';\n// ${'x'.repeat(300_000)}`, (err) => {
      if (err) return fail(new Error(`the CLI stopped reading before the signal: ${err.message}; stderr: ${stderr}`));
      child.kill(signal);
    });
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the CLI was still reading standard input 20 s after ${signal}; stderr: ${stderr.slice(-2000)}`));
    }, 20_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(guard);
      child.stdin!.destroy();
      done({ code, stdout, stderr, children: [] });
    });
  });
}
