import { descendantProcesses, waitFor } from '../../helpers';

/**
 * Processes this extension started: descendants of the extension host minus VS Code's own (the JSON
 * language server of the built-in extension runs there too). A just-exited child may show for a moment
 * with an empty command line until it is reaped, so the check waits that out.
 */
export async function serverProcesses(): Promise<string[]> {
  const own = () => descendantProcesses().filter((p) => !p.cmdline.includes('/lib/vscode/extensions/'));
  try {
    await waitFor(() => own().every((p) => p.cmdline !== ''), 'exited children to be reaped', 2000);
  } catch {
    // reported by the assertion below with whatever is left
  }
  return own().map((p) => `${p.pid}: ${p.cmdline}`);
}
