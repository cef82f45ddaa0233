// Bundled on its own as dist/tasks-sdk.js (esbuild.mjs) and loaded by ./tasks only when a task-based tool is
// called: the package (ESM only, with its own copy of the client's ESM build and of zod) is never parsed by a
// command that does not need it.
export { createTaskSessionFromClient, taskViewFromExecutionEvent, toolDeclarationFromMcpTool } from '@modelcontextprotocol/ext-tasks/client';
