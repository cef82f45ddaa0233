// The CLI's command table. Each command lives in its own file and is listed here once.
import type { CliCommand } from '../io';
import { serversCommand } from './servers';
import { toolsCommand } from './tools';
import { reportCommand } from './report';
import { callCommand } from './call';
import { runCommand } from './run';
import { lintCommand } from './lint';
import { pinCommand } from './pin';
import { execCommand } from './exec';
import { labCommand } from './lab';
import { chaosCommand } from './chaos';
import { gatewayCommand } from './gateway';
import { agentCommand } from './agent';
import { conformanceCommand } from './conformance';
import { loginCommand, logoutCommand } from './login';
import { traceCommand } from './trace';

export const commands: CliCommand[] = [serversCommand, toolsCommand, reportCommand, callCommand, runCommand, lintCommand, pinCommand, execCommand, labCommand, chaosCommand, gatewayCommand, agentCommand, conformanceCommand, loginCommand, logoutCommand, traceCommand];
