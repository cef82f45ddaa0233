// "MCP: Sign In to Server" and "MCP: Sign Out of Server" (palette, and inline on a server that needs sign-in).
import * as vscode from 'vscode';
import { SignInError } from '../../core/auth/errors';
import type { CommandEntry } from '../commands';
import type { HarnessContext } from '../context';
import { pickServer, prepareToStart, startServer } from '../serverCommands';

async function signInCommand(ctx: HarnessContext, arg: unknown): Promise<boolean> {
  const picked = await pickServer(ctx, arg, 'Sign in to which server?', (d) => ctx.signIns.usesSignIn(d));
  if (!picked) return false;
  if (!ctx.signIns.usesSignIn(picked)) throw new Error(`"${picked.id}" does not use sign-in: only HTTP servers without their own Authorization header do.`);
  // The entry's "oauth" client secret may be an ${input:…}: asked for (once) before the sign-in sends it.
  const def = await prepareToStart(ctx, picked);
  if (!def) return false;
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Signing in to ${def.id}: finish in the browser…`, cancellable: true },
      (_progress, token) => ctx.signIns.signIn(def, token),
    );
  } catch (err) {
    if (err instanceof SignInError && err.failure === 'cancelled') return false;
    if (!(err instanceof SignInError && err.failure === 'not_needed')) throw err;
    // Not an error: the server works without signing in, so it is started as a sign-in would have ended.
    ctx.log.info(`${def.id}: ${err.message}`);
    void vscode.window.showInformationMessage(`MCP Harness: ${def.id} needs no sign-in — it answered without asking for credentials. Nothing was stored; it is started as it is.`);
  }
  return startServer(ctx, def, true);
}

async function signOutCommand(ctx: HarnessContext, arg: unknown): Promise<boolean> {
  const def = await pickServer(ctx, arg, 'Sign out of which server?', (d) => ctx.signIns.usesSignIn(d));
  if (!def) return false;
  if (!ctx.signIns.usesSignIn(def)) throw new Error(`"${def.id}" does not use sign-in.`);
  await ctx.servers.stop(def.id);
  const result = await ctx.signIns.signOut(def);
  await ctx.servers.signedOut(def.id);
  return result.hadTokens;
}

export const signInCommands: CommandEntry[] = [
  { id: 'mcpHarness.signIn', run: signInCommand },
  { id: 'mcpHarness.signOut', run: signOutCommand },
];
