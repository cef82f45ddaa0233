import * as vscode from 'vscode';

/** An output channel created on first use, so a feature nobody used adds no channel. */
export class LazyOutputChannel implements vscode.Disposable {
  private channel: vscode.OutputChannel | undefined;

  constructor(private readonly name: string) {}

  get(): vscode.OutputChannel {
    this.channel ??= vscode.window.createOutputChannel(this.name);
    return this.channel;
  }

  dispose(): void {
    this.channel?.dispose();
    this.channel = undefined;
  }
}
