// A local OTLP/HTTP receiver on 127.0.0.1: it decodes the JSON ExportTraceServiceRequests the exporter
// posts and keeps their spans, flattened, for assertions. `hold` makes it accept requests and never answer
// (a collector that hangs).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  spans: ReceivedSpan[];
  /** Raw bodies, to check that nothing secret went over the wire at all. */
  bodies: string[];
  contentTypes: string[];
  /** Resolves once `count` spans arrived. */
  waitFor(count: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };

export function decodeValue(v: AnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

export function decodeAttributes(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, decodeValue(kv.value)]));
}

/** The spans of an OTLP/JSON ExportTraceServiceRequest. */
export function decodeRequest(body: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (body as { resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[] }).resourceSpans ?? []) {
    const resource = decodeAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId as string,
          spanId: s.spanId as string,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId as string } : {}),
          name: s.name as string,
          kind: s.kind as number,
          attributes: decodeAttributes(s.attributes as KeyValue[]),
          ...(s.status ? { status: s.status as ReceivedSpan['status'] } : {}),
          resource,
        });
      }
    }
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startReceiver(options: { hold?: boolean } = {}): Promise<Receiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const contentTypes: string[] = [];
  const waiters: { count: number; resolve: (s: ReceivedSpan[]) => void }[] = [];
  const held: import('node:http').ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then((text) => {
      if (options.hold) {
        held.push(res);
        return;
      }
      if (req.url !== '/v1/traces' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      bodies.push(text);
      contentTypes.push(String(req.headers['content-type']));
      spans.push(...decodeRequest(JSON.parse(text)));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      for (const w of waiters.slice()) {
        if (spans.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(spans);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    contentTypes,
    waitFor: (count) => (spans.length >= count ? Promise.resolve(spans) : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
