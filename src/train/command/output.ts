// Reading a command's output. On stdout, a line that is a JSON object with an integer `epoch` or
// `step` (0 to 2^53 - 1, what both databases' columns and a double hold exactly) is one point of
// metrics; every other line goes to the trial's log. Its metrics are its numeric fields whose names
// keep the rule the sweep file's `metrics` keep (METRIC_NAME); others are left out, as strings
// are. On stderr, everything goes to the log, and the last lines are kept to say why a command
// failed.

import JSON5 from 'json5';
import { StringDecoder } from 'node:string_decoder';

/** A metric name: a letter or _, then letters, digits, _ . - (the README's rule for `metrics`). */
export const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export interface MetricsPoint {
  epoch: number | null;
  step: number | null;
  /** Every numeric field but epoch and step: NaN and +-Infinity included, strings and nulls left out. */
  values: Record<string, number>;
}

/**
 * The point a stdout line holds, or null when it is not a metrics line. Plain JSON is parsed by
 * JSON.parse, so it reads exactly as JSON; only a line JSON rejects is tried as JSON5, which
 * accepts the NaN, Infinity and -Infinity that Python's json.dumps writes.
 */
export function parseMetricsLine(line: string): MetricsPoint | null {
  const text = line.trim();
  if (text.charCodeAt(0) !== 123 /* { */ || text.charCodeAt(text.length - 1) !== 125 /* } */) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    try {
      parsed = JSON5.parse(text);
    } catch {
      return null;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const record = parsed as Record<string, unknown>;
  // 1e300 is an integer to JavaScript, but no database column holds it: not an index.
  const index = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);
  const epoch = index(record.epoch);
  const step = index(record.step);
  if (epoch === null && step === null) return null;
  // A line with an index that is there but out of range is not a point either (not half of one).
  if ((record.epoch !== undefined && epoch === null) || (record.step !== undefined && step === null)) return null;
  // fromEntries defines own properties: a key like "__proto__" stays a plain key, as in JSON.parse.
  const values = Object.fromEntries(Object.entries(record)
    .filter(([k, v]) => k !== 'epoch' && k !== 'step' && typeof v === 'number' && METRIC_NAME.test(k))) as Record<string, number>;
  return { epoch, step, values };
}

/** A line longer than this is not a metrics line; it goes to the log in pieces, so memory stays bounded. */
export const MAX_LINE = 1 << 20;

/** Splits a byte stream into lines (UTF-8, `\n` or `\r\n`), handing over overlong runs as they come. */
export class LineSplitter {
  private decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onLine: (line: string, complete: boolean) => void) {}

  push(chunk: Buffer): void {
    const text = this.pending + this.decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.onLine(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl), true);
      start = nl + 1;
    }
    this.pending = text.slice(start);
    if (this.pending.length > MAX_LINE) {
      this.onLine(this.pending, false);
      this.pending = '';
    }
  }

  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest !== '') this.onLine(rest, true);
  }
}

/** The last bytes of a stream, kept for the failure message: at most `maxBytes`. */
export class Tail {
  private buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes = 4096) {}

  push(chunk: Buffer): void {
    this.buffer = chunk.length >= this.maxBytes
      ? Buffer.from(chunk.subarray(chunk.length - this.maxBytes))
      : Buffer.concat([this.buffer.subarray(Math.max(0, this.buffer.length + chunk.length - this.maxBytes)), chunk]);
  }

  /**
   * The last `maxLines` non-empty lines. A line redrawn with `\r` (a progress bar) counts as what
   * a terminal would show: its text after the last `\r`.
   */
  lines(maxLines = 20): string[] {
    const text = this.buffer.toString('utf8').replace(/^\uFFFD+/, ''); // a cut multi-byte character
    return text.split('\n')
      .map((line) => line.slice(line.replace(/\r+$/, '').lastIndexOf('\r') + 1).replace(/\r+$/, ''))
      .filter((line) => line.trim() !== '')
      .slice(-maxLines);
  }
}
