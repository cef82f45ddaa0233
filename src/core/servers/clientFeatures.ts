// Connects the host's handlers (./serverRequests) to one client: the capabilities it declares, the
// server→client requests it answers and the notifications it passes on. A capability is declared only for
// a handler that exists, so a server never offers a feature the host cannot serve.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { InFlightCalls } from './inFlight';
import { mcpSdk } from './sdk';
import type { ServerNotificationHandlers, ServerRequestContext, ServerRequestHandlers } from './serverRequests';

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

/** The context of a 2025 server→client request: the sole call in flight, if there is exactly one. */
export function requestContext(server: string, inFlight: InFlightCalls, requestSignal: AbortSignal): ServerRequestContext {
  const call = inFlight.sole();
  const signals = [requestSignal, inFlight.closed];
  if (call) signals.push(call.signal);
  return { server, origin: call?.origin, signal: AbortSignal.any(signals), via: 'request' };
}

export function installClientFeatures(client: Client, server: string, inFlight: InFlightCalls, features: ClientFeatures): void {
  const sdk = mcpSdk();
  const { requests, notifications } = features;
  if (requests?.createMessage) {
    const handle = requests.createMessage.bind(requests);
    client.setRequestHandler(sdk.CreateMessageRequestSchema, (request, extra) => handle(requestContext(server, inFlight, extra.signal), request.params as never) as never);
  }
  if (requests?.elicit) {
    const handle = requests.elicit.bind(requests);
    client.setRequestHandler(sdk.ElicitRequestSchema, (request, extra) => handle(requestContext(server, inFlight, extra.signal), request.params as never) as never);
  }
  if (requests?.listRoots) {
    const handle = requests.listRoots.bind(requests);
    client.setRequestHandler(sdk.ListRootsRequestSchema, (_request, extra) => handle(requestContext(server, inFlight, extra.signal)) as never);
  }
  if (notifications?.onLog) {
    const onLog = notifications.onLog.bind(notifications);
    client.setNotificationHandler(sdk.LoggingMessageNotificationSchema, async (n) => onLog(server, n.params));
  }
  if (notifications?.onResourceUpdated) {
    const onUpdated = notifications.onResourceUpdated.bind(notifications);
    client.setNotificationHandler(sdk.ResourceUpdatedNotificationSchema, async (n) => onUpdated(server, n.params.uri));
  }
}
