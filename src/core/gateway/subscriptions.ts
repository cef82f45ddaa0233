// Resource subscriptions through the gateway: a client subscribes to a gateway URI, the gateway subscribes
// once upstream however many of its clients listen, and each notifications/resources/updated the upstream
// sends reaches every client subscribed to that resource (under each gateway URI it subscribed by). The last
// client to go (unsubscribe, or the session ending) ends the upstream subscription. The policy applies as for a
// read. A server that leaves the configuration takes its subscriptions with it (its process is stopped).
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { PolicyConfig } from '../guards/types';
import { featurePolicy } from '../run/featureSteps';
import type { Logger } from '../types';
import { parseResourceUri } from './names';

/** What the gateway needs of the upstream servers to subscribe (the ServerManager has both). */
export interface SubscribableUpstreams {
  subscribeResource(server: string, uri: string): Promise<void>;
  unsubscribeResource(server: string, uri: string): Promise<void>;
}

/** Tells one client that a resource it subscribed to changed (under the gateway URI it subscribed with). */
export type UpdateListener = (uri: string) => void;

/** Told when a subscription ends without its owner asking: its server left the configuration. */
export type EndedListener = () => void;

interface Listener {
  listener: UpdateListener;
  /** The gateway URIs the client subscribed to this resource by: one resource can be spelled several ways. */
  spellings: Set<string>;
  ended?: EndedListener;
}

interface Subscription {
  server: string;
  uri: string;
  /** The upstream subscription, made once for all listeners. */
  upstream: Promise<void>;
  listeners: Map<object, Listener>;
}

export class ResourceSubscriptions {
  /** By resourceKey (`server\nupstream uri`): one upstream subscription each, however the clients spell its gateway URI. */
  private readonly byResource = new Map<string, Subscription>();

  constructor(
    private readonly upstreams: SubscribableUpstreams,
    private readonly servers: readonly string[],
    private readonly policy: () => PolicyConfig | undefined,
    private readonly logger: Logger,
  ) {}

  /** Subscribes `owner` (a client) to the gateway URI; `listener` hears its updates, `ended` that its server left. */
  async subscribe(owner: object, gatewayUri: string, listener: UpdateListener, ended?: EndedListener): Promise<void> {
    const { server, uri } = this.target(gatewayUri);
    const key = keyOf(server, uri);
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
    const mine = sub.listeners.get(owner);
    if (mine) mine.spellings.add(gatewayUri);
    else sub.listeners.set(owner, { listener, spellings: new Set([gatewayUri]), ...(ended ? { ended } : {}) });
    await sub.upstream;
  }

  /**
   * Ends `owner`'s subscription by that spelling of the gateway URI; while it holds the resource by other
   * spellings too, those stay (and keep hearing updates). A spelling it never subscribed by still names the
   * resource: that ends all of its spellings. Not checked against the policy: a subscription the policy has
   * come to deny can still be ended.
   */
  async unsubscribe(owner: object, gatewayUri: string): Promise<void> {
    const key = this.resourceKey(gatewayUri);
    const spellings = this.byResource.get(key)?.listeners.get(owner)?.spellings;
    if (spellings?.delete(gatewayUri) && spellings.size > 0) return;
    await this.drop(owner, key);
  }

  /** The resource a gateway URI names, the same for every spelling of it (what subscriptions are kept by). */
  resourceKey(gatewayUri: string): string {
    const { server, uri } = this.parse(gatewayUri);
    return keyOf(server, uri);
  }

  /** The upstream restarted: its subscriptions went with the old process, so each is made again. */
  resubscribe(server: string): void {
    for (const sub of this.byResource.values()) {
      if (sub.server !== server) continue;
      sub.upstream = this.upstreams.subscribeResource(server, sub.uri);
      sub.upstream.catch((err: Error) => this.logger.warn(`Subscribing again to '${sub.uri}' of '${server}' after its restart failed: ${err.message}`));
    }
  }

  /**
   * The server left the configuration: its subscriptions are forgotten and their owners told. Nothing is
   * unsubscribed upstream: the server is no longer one the host knows, and its process is stopped with them.
   */
  forgetServer(server: string): void {
    for (const [key, sub] of [...this.byResource]) {
      if (sub.server !== server) continue;
      this.byResource.delete(key);
      for (const { ended } of sub.listeners.values()) ended?.();
    }
  }

  /** The client has gone: its subscriptions end (upstream too where it was the last listener). */
  async forget(owner: object): Promise<void> {
    await Promise.all([...this.byResource.entries()].filter(([, sub]) => sub.listeners.has(owner)).map(([key]) => this.drop(owner, key)));
  }

  /** An upstream's notifications/resources/updated: every listener of that resource hears it. */
  updated(server: string, uri: string): void {
    const sub = this.byResource.get(keyOf(server, uri));
    if (!sub) return;
    for (const { listener, spellings } of sub.listeners.values()) for (const gatewayUri of spellings) listener(gatewayUri);
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

function keyOf(server: string, uri: string): string {
  return `${server}\n${uri}`;
}

/**
 * The resources 2026-07-28 clients follow on their `subscriptions/listen` streams (there is no
 * resources/subscribe in that revision): the streams that name one resource, however each spells its gateway
 * URI, share one gateway subscription, given back when the last of them closes. Each update is published under
 * every spelling followed: the SDK's listen router delivers it only to the streams that asked for that URI.
 */
export class ListenedResources {
  /** By resource: how many open streams follow it under each spelling, and the subscription they share. */
  private readonly byResource = new Map<string, Followed>();

  constructor(
    private readonly subscriptions: ResourceSubscriptions,
    private readonly publish: UpdateListener,
  ) {}

  /** Follows every URI (refused as a whole, like one subscribe each); resolves with the release. */
  async follow(uris: readonly string[]): Promise<() => Promise<void>> {
    const taken: Taken[] = [];
    try {
      for (const uri of new Set(uris)) taken.push(await this.take(uri));
    } catch (err) {
      await this.release(taken);
      throw err;
    }
    return () => this.release(taken);
  }

  private async take(uri: string): Promise<Taken> {
    const key = this.subscriptions.resourceKey(uri);
    let entry = this.byResource.get(key);
    if (!entry) {
      const spellings = new Map<string, number>();
      const forget = () => {
        if (this.byResource.get(key) === made) this.byResource.delete(key);
      };
      const ready = this.subscriptions.subscribe(this, uri, () => {
        for (const spelling of spellings.keys()) this.publish(spelling);
      }, forget);
      const made: Followed = { spellings, ready };
      entry = made;
      this.byResource.set(key, made);
      ready.catch(forget);
    }
    entry.spellings.set(uri, (entry.spellings.get(uri) ?? 0) + 1);
    await entry.ready;
    return { uri, key, entry };
  }

  private async release(taken: readonly Taken[]): Promise<void> {
    await Promise.all(
      taken.map(async ({ uri, key, entry }) => {
        // An entry forgotten meanwhile (its server left the configuration) is not this stream's to change.
        const streams = entry.spellings.get(uri);
        if (this.byResource.get(key) !== entry || streams === undefined) return;
        if (streams > 1) return void entry.spellings.set(uri, streams - 1);
        entry.spellings.delete(uri);
        if (entry.spellings.size > 0) return;
        this.byResource.delete(key);
        await this.subscriptions.unsubscribe(this, uri).catch(() => undefined);
      }),
    );
  }

  /** Resources followed now (for tests and /health-style counts). */
  get count(): number {
    return this.byResource.size;
  }
}

interface Followed {
  spellings: Map<string, number>;
  ready: Promise<void>;
}

/** What one stream took: the spelling, and the entry it counted in (a later one of the same resource is not it). */
interface Taken {
  uri: string;
  key: string;
  entry: Followed;
}
