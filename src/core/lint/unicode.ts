// Characters that make the text a model reads differ from the text a user sees, and a normalised view
// of a string (hidden characters removed, Unicode tags decoded) with a map back to the original offsets,
// so text rules see through "ig\u200Bnore previous instructions" and still report exact ranges.

export type HiddenKind = 'tag' | 'zero-width' | 'bidi' | 'ansi' | 'control';

export interface HiddenRun {
  kind: HiddenKind;
  /** Offset and length in UTF-16 code units of the original string. */
  offset: number;
  length: number;
  /** Number of hidden characters or escape sequences in the run. */
  count: number;
  /** What the run carries: the ASCII spelled by tag characters, the text concealed by ANSI SGR 8, or the escapes themselves made visible. */
  decoded: string;
}

const ZERO_WIDTH = new Set([0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x180e, 0x2061, 0x2062, 0x2063, 0x2064, 0x00ad, 0x034f, 0x115f, 0x1160, 0x3164, 0xffa0]);
const BIDI = new Set([0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c]);
const BLACK_FLAG = 0x1f3f4;
const TAG_CANCEL = 0xe007f;

// CSI, OSC, and two-character escapes; C1 CSI (0x9b) too.
const ANSI_RE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]|\u001b/y;

function isTag(cp: number): boolean {
  return cp >= 0xe0000 && cp <= 0xe007f;
}

function isEmoji(cp: number | undefined): boolean {
  return cp !== undefined && /\p{Extended_Pictographic}/u.test(String.fromCodePoint(cp));
}

function visibleEscape(seq: string): string {
  return seq.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\u001b' ? '\\x1b' : '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')));
}

function codePointBefore(s: string, index: number): number | undefined {
  if (index <= 0) return undefined;
  const lo = s.charCodeAt(index - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && index >= 2) return s.codePointAt(index - 2);
  return lo;
}

export interface Scan {
  runs: HiddenRun[];
  /** The string with every hidden character removed and tag characters decoded to ASCII. */
  normalized: string;
  /** For each code unit of `normalized`, its offset in the original string (plus one trailing entry = original length). */
  map: number[];
  /** For each code unit of `normalized`, the end offset in the original string of the character it came from. */
  mapEnd: number[];
  /** The original string with every hidden character and escape removed (what "remove hidden characters" writes). */
  cleaned: string;
}

/** Scans a string once for hidden characters. Legitimate emoji sequences (ZWJ between emoji, tag-spelled subdivision flags) are kept. */
export function scanHidden(s: string): Scan {
  const runs: HiddenRun[] = [];
  let normalized = '';
  const map: number[] = [];
  const mapEnd: number[] = [];
  let cleaned = '';
  let current: HiddenRun | undefined;
  let concealing = false;
  let concealed = '';

  const addHidden = (kind: HiddenKind, offset: number, length: number, decoded: string): void => {
    const counted = length > 0 ? 1 : 0;
    if (current && current.kind === kind && current.offset + current.length === offset) {
      current.length += length;
      current.count += counted;
      current.decoded += decoded;
    } else {
      current = { kind, offset, length, count: counted, decoded };
      runs.push(current);
    }
  };
  const addVisible = (text: string, offset: number): void => {
    for (let k = 0; k < text.length; k++) {
      normalized += text[k];
      map.push(offset + k);
      mapEnd.push(offset + k + 1);
    }
    cleaned += text;
    if (concealing) concealed += text;
  };

  let i = 0;
  let flagSequence = false;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (cp === 0x1b || cp === 0x9b) {
      ANSI_RE.lastIndex = i;
      const m = ANSI_RE.exec(s);
      const seq = m ? m[0] : s[i];
      // SGR 8 conceals the text that follows until a reset: that text is shown to the model, not the user.
      if (/^\u001b\[[0-9;]*m$/.test(seq)) {
        const params = seq.slice(2, -1).split(';');
        if (params.includes('8')) concealing = true;
        else if (params.includes('0') || params.includes('28') || params.includes('')) {
          if (concealing && concealed) addHidden('ansi', i, 0, ` [concealed: "${concealed}"]`);
          concealing = false;
          concealed = '';
        }
      }
      addHidden('ansi', i, seq.length, visibleEscape(seq));
      i += seq.length;
      continue;
    }
    if (isTag(cp)) {
      // A tag sequence right after U+1F3F4 (waving black flag) is a subdivision flag such as Scotland's.
      if (flagSequence || codePointBefore(s, i) === BLACK_FLAG) {
        flagSequence = cp !== TAG_CANCEL;
        addVisible(s.slice(i, i + width), i);
        i += width;
        continue;
      }
      const ascii = cp >= 0xe0020 && cp <= 0xe007e ? String.fromCharCode(cp - 0xe0000) : '';
      addHidden('tag', i, width, ascii);
      if (ascii) {
        normalized += ascii;
        map.push(i);
        mapEnd.push(i + width);
      }
      i += width;
      continue;
    }
    flagSequence = false;
    if (ZERO_WIDTH.has(cp)) {
      // ZWJ (and VS-adjacent ZWNJ) between two emoji builds a family or profession emoji: visible and legitimate.
      if (cp === 0x200d && isEmoji(codePointBefore(s, i)) && isEmoji(s.codePointAt(i + 1))) {
        addVisible(s[i], i);
        i += 1;
        continue;
      }
      addHidden('zero-width', i, width, `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`);
      i += width;
      continue;
    }
    if (BIDI.has(cp)) {
      addHidden('bidi', i, width, `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`);
      i += width;
      continue;
    }
    if ((cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || (cp >= 0x7f && cp <= 0x9f)) {
      addHidden('control', i, width, visibleEscape(s[i]));
      i += width;
      continue;
    }
    addVisible(s.slice(i, i + width), i);
    i += width;
  }
  map.push(s.length);
  mapEnd.push(s.length);
  // Zero-width and bidi runs list code points; join them readably.
  for (const run of runs) {
    if (run.kind === 'zero-width' || run.kind === 'bidi') run.decoded = run.decoded.replace(/(?<=\d|[A-F])U\+/g, ' U+');
  }
  return { runs: runs.filter((r) => r.length > 0), normalized, map, mapEnd, cleaned };
}

/** Maps a [start, end) range of the normalised string back to the original string. */
export function mapRange(scan: Pick<Scan, 'map' | 'mapEnd'>, start: number, end: number): { offset: number; length: number } {
  const from = scan.map[Math.min(start, scan.map.length - 1)];
  if (end <= start) return { offset: from, length: 0 };
  const to = scan.mapEnd[Math.min(end - 1, scan.mapEnd.length - 1)];
  return { offset: from, length: Math.max(0, to - from) };
}

/** The original string with hidden characters removed. */
export function removeHidden(s: string): string {
  return scanHidden(s).cleaned;
}
