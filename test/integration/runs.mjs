// The integration runs: each opens a copy of one fixture workspace in a fresh code-server and runs the
// suite files matching `files` (globs relative to test/integration/suite, compiled to .js; `!` excludes).
// `trust: 'restricted'` keeps Workspace Trust on so the folder opens in Restricted Mode.
// `workspaceFile` (relative to `workspace`) opens that .code-workspace file instead: a multi-root window.
// Add a run here when a test needs a different workspace or trust state.
export default [
  {
    name: 'main',
    workspace: 'test/fixtures/workspaces/basic',
    files: '**/*.test.js,!restricted/**,!workspaces/**,!bench/**,!multiroot/**,!client/**',
    trust: 'trusted',
  },
  {
    name: 'restricted',
    workspace: 'test/fixtures/workspaces/basic',
    files: 'restricted/**/*.test.js',
    trust: 'restricted',
  },
  {
    name: 'multiroot',
    workspace: 'test/fixtures/workspaces/multiroot',
    workspaceFile: 'multiroot.code-workspace',
    files: 'multiroot/**/*.test.js',
    trust: 'trusted',
  },
  {
    // The client features (sampling, elicitation, roots, resources, prompts) against the `ui` fixture server,
    // opened as a workspace file so the roots tests can add a folder without a window reload.
    name: 'client',
    workspace: 'test/fixtures/workspaces/client',
    workspaceFile: 'client.code-workspace',
    files: 'client/**/*.test.js',
    trust: 'trusted',
  },
];
