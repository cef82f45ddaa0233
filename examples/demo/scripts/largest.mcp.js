// Code mode: runs in the QuickJS sandbox ("MCP: Run Code in Sandbox", the CodeLens above, or
// `mcp-harness exec scripts/largest.mcp.js --workspace examples/demo`). Tool results stay in the
// sandbox; only what this code returns reaches the caller — and every call passes the guard pipeline.
const tree = await tools.filesystem.directory_tree({ path: '.' });
const files = [];
(function walk(entries, prefix) {
  for (const e of entries) {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.type === 'file') files.push(path);
    else if (e.children) walk(e.children, path);
  }
})(JSON.parse(tree.text), '');

const infos = await Promise.all(
  files.map((path) => mcp.call('filesystem/get_file_info', { path }).then((r) => ({ path, info: r.text }))),
);
const sized = infos.map(({ path, info }) => ({ path, bytes: Number(/size:\s*(\d+)/i.exec(info)?.[1] ?? 0) }));
sized.sort((a, b) => b.bytes - a.bytes);
console.log(`looked at ${files.length} files`);
return sized.slice(0, 3);
