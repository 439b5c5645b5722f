/**
 * Splits a byte stream into lines (newline-delimited JSON-RPC, the MCP stdio framing; a trailing \r is
 * dropped, as the SDK does). Bytes are kept until a newline comes, never decoded mid-character: a newline
 * byte is never part of a multi-byte UTF-8 character. A line longer than `maxBytes` is skipped to its end.
 */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside a line too long to keep: its bytes are dropped until its newline. */
  private skipping = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer, onLine: (line: string) => void, onTooLong: (bytes: number) => void): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (this.skipping) this.skipping = false;
      else if (this.pendingBytes + nl - start > this.maxBytes) onTooLong(this.maxBytes);
      else onLine(this.take(chunk.subarray(start, nl)));
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
    }
    if (start === chunk.length || this.skipping) return;
    const rest = chunk.subarray(start);
    if (this.pendingBytes + rest.length > this.maxBytes) {
      this.skipping = true;
      this.pending = [];
      this.pendingBytes = 0;
      onTooLong(this.maxBytes);
      return;
    }
    this.pending.push(rest);
    this.pendingBytes += rest.length;
  }

  /** The last line, when the input ends without a newline after it. */
  end(onLine: (line: string) => void): void {
    if (!this.skipping && this.pendingBytes > 0) onLine(this.take(Buffer.alloc(0)));
    this.pending = [];
    this.pendingBytes = 0;
  }

  private take(tail: Buffer): string {
    const bytes = this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail]);
    const text = bytes.toString('utf8');
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }
}
