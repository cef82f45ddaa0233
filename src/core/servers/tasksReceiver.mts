// Bundled on its own as dist/tasks-receiver.js (esbuild.mjs, ~15 KB) and loaded by ./tasks when a server
// connects to a client with sampling or elicitation handlers.
export { bindTaskReceiver } from '@modelcontextprotocol/ext-tasks/receiver';
