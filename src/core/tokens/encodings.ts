// The tokenizer tables (several MB). Bundled on their own as dist/tokenizer.js and loaded on first use,
// so activating the extension or starting the CLI never pays for parsing them.
export * as o200k from 'gpt-tokenizer/encoding/o200k_base';
export * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
