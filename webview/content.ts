// A tool result's content items as a reader wants them: images as thumbnails, audio with a player, resource
// links and embedded resources with "Open resource" (when the host can open them), text as text. Media
// come only as data: URLs of the recorded base64 (the CSP allows data: for img and media, nothing else); a
// trace that kept the media out has a placeholder string instead, shown as it is.
import { fmtInt, h } from './dom';

export interface ContentEvents {
  /** Absent when the host cannot open resources (a saved HTML report). */
  onOpenResource?(server: string, uri: string): void;
}

interface Item {
  type?: unknown;
  text?: unknown;
  data?: unknown;
  mimeType?: unknown;
  uri?: unknown;
  name?: unknown;
  title?: unknown;
  description?: unknown;
  resource?: { uri?: unknown; mimeType?: unknown; text?: unknown; blob?: unknown };
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const MEDIA_TYPE = /^(image|audio)\/[\w.+-]+$/;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The result's content items, when there is one that is not plain text (text alone is in Output already). */
export function richContent(output: unknown): Item[] | undefined {
  const content = (output as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content)) return undefined;
  const items = content.filter((c): c is Item => !!c && typeof c === 'object');
  return items.some((c) => c.type !== 'text') ? items : undefined;
}

function bytesOf(base64: string): number {
  return Math.floor((base64.replace(/=+$/, '').length * 3) / 4);
}

/** A data: URL of recorded base64 media, or undefined when the trace kept a placeholder (or the data is not base64). */
function dataUrl(item: Item, kind: 'image' | 'audio'): string | undefined {
  const data = str(item.data);
  const mime = str(item.mimeType);
  if (!data || !mime || !MEDIA_TYPE.test(mime) || !mime.startsWith(`${kind}/`) || !BASE64.test(data)) return undefined;
  return `data:${mime};base64,${data}`;
}

function placeholder(item: Item, kind: string): HTMLElement {
  return h('p', { class: 'mh-muted mh-content-placeholder' }, str(item.data) ?? `(no ${kind} data was recorded)`);
}

export class ContentView {
  constructor(
    private readonly events: ContentEvents,
    private readonly server: string | undefined,
  ) {}

  render(items: Item[]): HTMLElement {
    return h('ol', { class: 'mh-content' }, ...items.map((item, i) => h('li', { class: 'mh-content-item', 'data-type': String(item.type ?? 'unknown'), 'data-index': i }, this.item(item))));
  }

  private item(item: Item): Node {
    switch (item.type) {
      case 'image':
        return this.image(item);
      case 'audio':
        return this.audio(item);
      case 'resource_link':
        return this.link(item);
      case 'resource':
        return this.embedded(item);
      case 'text':
        return h('pre', { class: 'mh-json mh-content-text' }, str(item.text) ?? '');
      default:
        return h('p', { class: 'mh-muted' }, `A content item of type ${JSON.stringify(item.type)}; see Output for its JSON.`);
    }
  }

  private label(kind: string, item: Item): HTMLElement {
    const mime = str(item.mimeType);
    const data = str(item.data);
    const size = data && BASE64.test(data) ? `, ${fmtInt(bytesOf(data))} bytes` : '';
    return h('div', { class: 'mh-content-head' }, h('strong', null, kind), mime ? h('span', { class: 'mh-muted' }, ` ${mime}${size}`) : null);
  }

  private image(item: Item): HTMLElement {
    const url = dataUrl(item, 'image');
    if (!url) return h('div', null, this.label('Image', item), placeholder(item, 'image'));
    const img = h('img', { class: 'mh-content-image', src: url, alt: `Image returned by the tool (${str(item.mimeType)})` });
    // Redaction can mask part of the base64; a picture that does not decode says so instead of a broken icon.
    img.addEventListener('error', () => img.replaceWith(h('p', { class: 'mh-muted mh-content-placeholder' }, 'The recorded image could not be decoded (it may have been redacted).')));
    return h('div', null, this.label('Image', item), img);
  }

  private audio(item: Item): HTMLElement {
    const url = dataUrl(item, 'audio');
    if (!url) return h('div', null, this.label('Audio', item), placeholder(item, 'audio'));
    return h('div', null, this.label('Audio', item), h('audio', { class: 'mh-content-audio', controls: true, preload: 'metadata', src: url }));
  }

  private openButton(uri: string): HTMLElement | null {
    const { onOpenResource } = this.events;
    const server = this.server;
    if (!onOpenResource || !server) return null;
    const b = h('button', { type: 'button', class: 'mh-link mh-open-resource', title: `Read ${uri} from ${server}` }, 'Open resource');
    b.addEventListener('click', () => onOpenResource(server, uri));
    return b;
  }

  private link(item: Item): HTMLElement {
    const uri = str(item.uri) ?? '';
    const name = str(item.title) ?? str(item.name) ?? uri;
    return h(
      'div',
      { class: 'mh-content-link' },
      h('div', { class: 'mh-content-head' }, h('strong', null, 'Resource link '), name, str(item.mimeType) ? h('span', { class: 'mh-muted' }, ` ${str(item.mimeType)}`) : null),
      h('code', { class: 'mh-content-uri' }, uri),
      str(item.description) ? h('p', { class: 'mh-muted' }, str(item.description)!) : null,
      uri ? this.openButton(uri) : null,
    );
  }

  private embedded(item: Item): HTMLElement {
    const r = item.resource ?? {};
    const uri = str(r.uri) ?? '';
    const mime = str(r.mimeType);
    const head = h('div', { class: 'mh-content-head' }, h('strong', null, 'Embedded resource '), h('code', { class: 'mh-content-uri' }, uri), mime ? h('span', { class: 'mh-muted' }, ` ${mime}`) : null);
    const text = str(r.text);
    if (text !== undefined) return h('div', { class: 'mh-content-resource' }, head, h('pre', { class: 'mh-json mh-content-resource-text' }, text));
    const blob = str(r.blob);
    const what = blob && BASE64.test(blob) ? `${fmtInt(bytesOf(blob))} bytes of binary content` : blob ?? 'no contents were recorded';
    return h('div', { class: 'mh-content-resource' }, head, h('p', { class: 'mh-muted' }, what), uri ? this.openButton(uri) : null);
  }
}
