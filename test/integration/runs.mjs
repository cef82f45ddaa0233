// The integration runs: each opens a copy of one fixture workspace in a fresh code-server and runs the
// suite files matching `files` (globs relative to test/integration/suite, compiled to .js; `!` excludes).
// `trust: 'restricted'` keeps Workspace Trust on so the folder opens in Restricted Mode.
// Add a run here when a test needs a different workspace or trust state.
export default [
  {
    name: 'main',
    workspace: 'test/fixtures/workspaces/basic',
    files: '**/*.test.js,!restricted/**,!workspaces/**,!bench/**',
    trust: 'trusted',
  },
  {
    name: 'restricted',
    workspace: 'test/fixtures/workspaces/basic',
    files: 'restricted/**/*.test.js',
    trust: 'restricted',
  },
];
