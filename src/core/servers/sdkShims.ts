// Stands in for `@modelcontextprotocol/client/_shims` in the bundles (esbuild.mjs, `lazyClientShims`). The
// client's Node shim loads its own bundled copy of ajv (2020-12, 2019-09, draft-07 and ajv-formats, all
// evaluated when the client loads) only to construct the default JSON Schema validator, which a client needs
// only once a tool with an outputSchema is called. This module exports the same two names; the default
// validator loads the real one on its first schema, so that choice and its dialect rules stay the SDK's.
import type { jsonSchemaValidator, JsonSchemaType, JsonSchemaValidator } from '@modelcontextprotocol/client';

type RealShims = { DefaultJsonSchemaValidator: new (ajv?: unknown) => jsonSchemaValidator };

/** In Node, a `fetch()` TypeError is a network or configuration failure, never CORS (as the SDK's Node shim says). */
export const CORS_IS_POSSIBLE = false;

export class DefaultJsonSchemaValidator implements jsonSchemaValidator {
  private real: jsonSchemaValidator | undefined;

  constructor(private readonly ajv?: unknown) {}

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    if (!this.real) {
      // The bundler resolves this one require to the SDK's own shim (the plugin skips this importer).
      const shims = require('@modelcontextprotocol/client/_shims') as RealShims;
      this.real = this.ajv === undefined ? new shims.DefaultJsonSchemaValidator() : new shims.DefaultJsonSchemaValidator(this.ajv);
    }
    return this.real.getValidator<T>(schema);
  }
}
