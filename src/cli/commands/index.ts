// The CLI's command table. Each command lives in its own file and is listed here once.
import type { CliCommand } from '../io';

export const commands: CliCommand[] = [];
