// Connects the host's handlers (./serverRequests) to one client: the capabilities it declares, what servers
// ask of it and the notifications it passes on. A capability is declared only for a handler that exists, so
// a server never offers a feature the host cannot serve.
//
// Both protocol generations reach the same handlers: a 2025 server sends a request (sampling/createMessage,
// elicitation/create, roots/list) while one of our calls runs; a 2026-07-28 server answers the call with an
// `input_required` result, which the SDK fulfils through the same registered handlers and retries.
import type { Client, ClientCapabilities, ClientContext } from '@modelcontextprotocol/client';
import type { InFlightCall, InFlightCalls } from './inFlight';
import { followAll } from '../util/signals';
import type { ServerNotificationHandlers, ServerRequestContext, ServerRequestHandlers } from './serverRequests';
import { bindTaskRequests } from './tasks';

export interface ClientFeatures {
  requests?: ServerRequestHandlers;
  notifications?: ServerNotificationHandlers;
}

export function clientCapabilities(handlers: ServerRequestHandlers | undefined): ClientCapabilities {
  const capabilities: ClientCapabilities = {};
  if (handlers?.createMessage) capabilities.sampling = { tools: {} };
  if (handlers?.elicit) capabilities.elicitation = { form: {}, url: {} };
  if (handlers?.listRoots) capabilities.roots = { listChanged: true };
  return capabilities;
}

/**
 * Serves one server request: which call it belongs to, and a signal that ends with the request, the call or
 * the connection. On a 2026-07-28 connection servers cannot send requests, so every ask is an `input_required`
 * result being fulfilled for a known call. On a 2025 connection a request names no call: it is attributed only
 * when exactly one call is in flight. The signal lets go of the connection's when the request is answered: a
 * handler passes it on to SDK requests (a forwarded sampling request), which never remove their listener, and
 * AbortSignal.any would keep each such signal alive as long as the connection.
 */
export async function serveRequest<T>(
  server: string,
  inFlight: InFlightCalls,
  era: string | undefined,
  requestSignal: AbortSignal,
  handle: (ctx: ServerRequestContext) => T | Promise<T>,
): Promise<T> {
  const modern = era === 'modern';
  const call: InFlightCall | undefined = modern ? inFlight.fulfilling : inFlight.sole();
  const followed = followAll(requestSignal, inFlight.closed, call?.signal);
  try {
    return await handle({ server, origin: call?.origin, signal: followed.signal!, via: modern ? 'input_required' : 'request' });
  } finally {
    followed.release();
  }
}

export function installClientFeatures(client: Client, server: string, inFlight: InFlightCalls, features: ClientFeatures): void {
  const { requests, notifications } = features;
  const serve = <T>(ctx: ClientContext, handle: (context: ServerRequestContext) => Promise<T>) => serveRequest(server, inFlight, client.getProtocolEra(), ctx.mcpReq.signal, handle);
  if (requests?.createMessage) {
    const handle = requests.createMessage.bind(requests);
    client.setRequestHandler('sampling/createMessage', (request, ctx) => serve(ctx, (context) => handle(context, request.params)));
  }
  if (requests?.elicit) {
    const handle = requests.elicit.bind(requests);
    client.setRequestHandler('elicitation/create', (request, ctx) => serve(ctx, (context) => handle(context, request.params)));
  }
  if (requests?.listRoots) {
    const handle = requests.listRoots.bind(requests);
    client.setRequestHandler('roots/list', (_request, ctx) => serve(ctx, handle));
  }
  if (notifications?.onLog) {
    const onLog = notifications.onLog.bind(notifications);
    client.setNotificationHandler('notifications/message', (n) => onLog(server, n.params));
  }
  if (notifications?.onResourceUpdated) {
    const onUpdated = notifications.onResourceUpdated.bind(notifications);
    client.setNotificationHandler('notifications/resources/updated', (n) => onUpdated(server, n.params.uri));
  }
}

/**
 * Before the client connects: a server may send sampling and elicitation requests as tasks (2025-11-25 tasks),
 * which reach the same handlers (./tasks). Declares the receiver's `tasks` capability; the receiver lives as
 * long as the client.
 */
export async function installTaskReceiver(client: Client, server: string, inFlight: InFlightCalls, features: ClientFeatures): Promise<void> {
  const bound = await bindTaskRequests(client, features.requests, (signal, handle) => serveRequest(server, inFlight, client.getProtocolEra(), signal, handle));
  if (bound) client.registerCapabilities({ tasks: bound.capabilities as unknown as ClientCapabilities['tasks'] });
}
