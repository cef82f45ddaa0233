// Over Streamable HTTP the answer to a POST carrying one request is that request's response: a JSON body, or an
// SSE stream that ends after it. When the stream ends and no readable response came (the server wrote a broken
// message, an id the client never sent, a body that is not JSON-RPC), the SDK reports the broken message as a
// transport error and leaves the request open until its timeout. This fails it at once instead, with what went
// wrong, through the transport's end-of-stream signal (a send option the SDK already offers).
// A POST answered with a 4xx/5xx needs nothing here: the SDK fails the send, and so the request.
import type { JSONRPCMessage, RequestId, Transport, TransportSendOptions } from '@modelcontextprotocol/client';

/** The JSON-RPC error code of the response made up for a request whose answer could not be read. */
export const UNREADABLE_ANSWER = -32603;

type MessageHandler = NonNullable<Transport['onmessage']>;

interface Open {
  method: string;
  /** The last transport error seen while this request was open (what was wrong with the answer). */
  error?: string;
}

/** Makes `transport` fail a single request whose response stream ended without a readable response. */
export function failUnansweredRequests(transport: Transport): Transport & { readonly openRequests: number } {
  const open = new Map<RequestId, Open>();
  let handler: MessageHandler | undefined;
  let onerror: Transport['onerror'];
  const deliver: MessageHandler = (message, extra) => {
    if ('id' in message && message.id !== undefined && !('method' in message)) open.delete(message.id);
    handler?.(message, extra);
  };
  // The client installs its handlers after the transport exists; these accessors put the bookkeeping under them.
  Object.defineProperty(transport, 'onmessage', { configurable: true, get: () => (handler ? deliver : undefined), set: (h: MessageHandler | undefined) => (handler = h) });
  Object.defineProperty(transport, 'onerror', {
    configurable: true,
    get: () => onerror && ((err: Error) => {
      for (const o of open.values()) o.error = describe(err);
      onerror?.(err);
    }),
    set: (h: Transport['onerror']) => (onerror = h),
  });
  const send = transport.send.bind(transport);
  transport.send = (message: JSONRPCMessage, options?: TransportSendOptions) => {
    // A request the client gave up on (cancelled, timed out) is no longer answered by anyone: the SDK stops
    // reading its stream without reporting its end, so it is forgotten here as well.
    if (!Array.isArray(message) && 'method' in message && message.method === 'notifications/cancelled') {
      const cancelled = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      if (cancelled !== undefined) open.delete(cancelled);
    }
    if (Array.isArray(message) || !('method' in message) || !('id' in message) || message.id === undefined || options?.onRequestStreamEnd) return send(message, options);
    const id = message.id;
    open.set(id, { method: message.method });
    options?.requestSignal?.addEventListener('abort', () => open.delete(id), { once: true });
    const ended = () => {
      const o = open.get(id);
      if (!o) return;
      open.delete(id);
      const why = o.error ? ` (${o.error})` : '';
      deliver({ jsonrpc: '2.0', id, error: { code: UNREADABLE_ANSWER, message: `The server's answer to ${o.method} could not be read; its HTTP response ended without a valid JSON-RPC response${why}` } });
    };
    return send(message, { ...options, onRequestStreamEnd: ended }).catch((err: unknown) => {
      open.delete(id);
      throw err;
    });
  };
  Object.defineProperty(transport, 'openRequests', { configurable: true, get: () => open.size });
  return transport as Transport & { readonly openRequests: number };
}

/** The SDK's parse failures, in a line: a SyntaxError from JSON.parse, or the schema's issues as a JSON dump. */
function describe(err: Error): string {
  if (err instanceof SyntaxError) return `a message is not JSON: ${err.message.slice(0, 200)}`;
  if (err.name === 'ZodError' || err.message.trimStart().startsWith('[')) return 'a message is JSON but not a JSON-RPC message';
  return err.message.slice(0, 200);
}
