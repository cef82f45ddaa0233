// Collecting a config file's problems while it is parsed, and the duplicate-key check every object gets.
import { keyOf, type Node, propertiesOf, rangeOf } from './jsonc';
import type { ParsedServer } from './parse';
import type { ConfigProblem, SourceRange } from './types';

export class ProblemSink {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly file: string) {}

  add(range: SourceRange, severity: ConfigProblem['severity'], code: string, message: string, server?: ParsedServer): void {
    this.problems.push({ file: this.file, range, severity, code, message, ...(server ? { server: server.name } : {}) });
    if (server && severity === 'error') server.errors.push(message);
  }
}

/** Properties of an object, warning about repeated keys (the last one counts, as in JSON.parse). */
export function uniqueProperties(object: Node, sink: ProblemSink, where: string, server?: ParsedServer): Map<string, Node> {
  const map = new Map<string, Node>();
  for (const [name, property] of propertiesOf(object)) {
    const earlier = map.get(name);
    if (earlier) {
      sink.add(
        rangeOf(keyOf(earlier)),
        'warning',
        'duplicate-key',
        `"${name}" appears again later in ${where}; only the last one counts: remove one of them.`,
        server,
      );
      map.delete(name);
    }
    map.set(name, property);
  }
  return map;
}
