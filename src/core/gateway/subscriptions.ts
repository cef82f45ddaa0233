// Resource subscriptions through the gateway: a client subscribes to a gateway URI, the gateway subscribes
// once upstream however many of its clients listen, and each notifications/resources/updated the upstream
// sends reaches every client subscribed to that resource (under its gateway URI). The last client to go
// (unsubscribe, or the session ending) ends the upstream subscription. The policy applies as for a read.
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { PolicyConfig } from '../guards/types';
import { featurePolicy } from '../run/featureSteps';
import type { Logger } from '../types';
import { parseResourceUri, resourceUri } from './names';

/** What the gateway needs of the upstream servers to subscribe (the ServerManager has both). */
export interface SubscribableUpstreams {
  subscribeResource(server: string, uri: string): Promise<void>;
  unsubscribeResource(server: string, uri: string): Promise<void>;
}

/** Tells one client that a resource it subscribed to changed (its gateway URI). */
export type UpdateListener = (uri: string) => void;

interface Subscription {
  server: string;
  uri: string;
  /** The upstream subscription, made once for all listeners. */
  upstream: Promise<void>;
  listeners: Map<object, UpdateListener>;
}

export class ResourceSubscriptions {
  /** By `server\nuri`: one upstream subscription each. */
  private readonly byResource = new Map<string, Subscription>();

  constructor(
    private readonly upstreams: SubscribableUpstreams,
    private readonly servers: readonly string[],
    private readonly policy: () => PolicyConfig | undefined,
    private readonly logger: Logger,
  ) {}

  /** Subscribes `owner` (a client) to the gateway URI; `listener` hears its updates. */
  async subscribe(owner: object, gatewayUri: string, listener: UpdateListener): Promise<void> {
    const { server, uri } = this.target(gatewayUri);
    const key = `${server}\n${uri}`;
    let sub = this.byResource.get(key);
    if (!sub) {
      const upstream = this.upstreams.subscribeResource(server, uri);
      sub = { server, uri, upstream, listeners: new Map() };
      this.byResource.set(key, sub);
      // A subscription the upstream refused is forgotten, so the next subscribe asks again.
      upstream.catch(() => {
        if (this.byResource.get(key) === sub) this.byResource.delete(key);
      });
    }
    sub.listeners.set(owner, listener);
    await sub.upstream;
  }

  /** Not checked against the policy: a subscription the policy has come to deny can still be ended. */
  async unsubscribe(owner: object, gatewayUri: string): Promise<void> {
    const { server, uri } = this.parse(gatewayUri);
    await this.drop(owner, `${server}\n${uri}`);
  }

  /** The upstream restarted: its subscriptions went with the old process, so each is made again. */
  resubscribe(server: string): void {
    for (const sub of this.byResource.values()) {
      if (sub.server !== server) continue;
      sub.upstream = this.upstreams.subscribeResource(server, sub.uri);
      sub.upstream.catch((err: Error) => this.logger.warn(`Subscribing again to '${sub.uri}' of '${server}' after its restart failed: ${err.message}`));
    }
  }

  /** The client has gone: its subscriptions end (upstream too where it was the last listener). */
  async forget(owner: object): Promise<void> {
    await Promise.all([...this.byResource.entries()].filter(([, sub]) => sub.listeners.has(owner)).map(([key]) => this.drop(owner, key)));
  }

  /** An upstream's notifications/resources/updated: every listener of that resource hears it. */
  updated(server: string, uri: string): void {
    const sub = this.byResource.get(`${server}\n${uri}`);
    if (!sub) return;
    const gatewayUri = resourceUri(server, uri);
    for (const listener of sub.listeners.values()) listener(gatewayUri);
  }

  get count(): number {
    return this.byResource.size;
  }

  private async drop(owner: object, key: string): Promise<void> {
    const sub = this.byResource.get(key);
    if (!sub?.listeners.delete(owner) || sub.listeners.size > 0) return;
    this.byResource.delete(key);
    await this.upstreams.unsubscribeResource(sub.server, sub.uri).catch((err: Error) => this.logger.warn(`Ending the subscription to '${sub.uri}' of '${sub.server}' failed: ${err.message}`));
  }

  private parse(gatewayUri: string): { server: string; uri: string } {
    const target = parseResourceUri(gatewayUri);
    if (!target || !this.servers.includes(target.server)) {
      throw new McpError(ErrorCode.InvalidParams, `'${gatewayUri}' is not a resource of this gateway (mcp-harness://<server>/<uri>); list the resources to get one.`);
    }
    return target;
  }

  private target(gatewayUri: string): { server: string; uri: string } {
    const target = this.parse(gatewayUri);
    const policy = this.policy();
    const denied = policy && featurePolicy(`${target.server}/${target.uri}`, policy);
    if (denied) throw new McpError(ErrorCode.InvalidRequest, `MCP Harness denied this subscription (denied_policy): ${denied.reason}`);
    return target;
  }
}

/**
 * The resources 2026-07-28 clients follow on their `subscriptions/listen` streams (there is no
 * resources/subscribe in that revision): a stream that names gateway URIs takes one gateway subscription
 * per URI, shared by every stream of this replica that follows it, and gives it back when it closes. The
 * SDK's listen router delivers each update only to the streams that asked for that URI.
 */
export class ListenedResources {
  /** By gateway URI: how many open streams follow it, and the subscription they share. */
  private readonly byUri = new Map<string, { streams: number; ready: Promise<void> }>();

  constructor(
    private readonly subscriptions: ResourceSubscriptions,
    private readonly publish: UpdateListener,
  ) {}

  /** Follows every URI (refused as a whole, like one subscribe each); resolves with the release. */
  async follow(uris: readonly string[]): Promise<() => Promise<void>> {
    const taken: string[] = [];
    try {
      for (const uri of new Set(uris)) {
        await this.take(uri);
        taken.push(uri);
      }
    } catch (err) {
      await this.release(taken);
      throw err;
    }
    return () => this.release(taken);
  }

  private take(uri: string): Promise<void> {
    let entry = this.byUri.get(uri);
    if (!entry) {
      const ready = this.subscriptions.subscribe(this, uri, this.publish);
      const made = { streams: 0, ready };
      entry = made;
      this.byUri.set(uri, made);
      ready.catch(() => {
        if (this.byUri.get(uri) === made) this.byUri.delete(uri);
      });
    }
    entry.streams++;
    return entry.ready;
  }

  private async release(uris: readonly string[]): Promise<void> {
    await Promise.all(
      uris.map(async (uri) => {
        const entry = this.byUri.get(uri);
        if (!entry || --entry.streams > 0) return;
        this.byUri.delete(uri);
        await this.subscriptions.unsubscribe(this, uri).catch(() => undefined);
      }),
    );
  }

  /** Gateway URIs followed now (for tests and /health-style counts). */
  get count(): number {
    return this.byUri.size;
  }
}
