/*
 * Reading the hook's stdin within bounds (time and size), then letting go of it so that a stdin that never
 * closes cannot keep the hook's process alive. Node built-ins only (see ../hook.ts).
 */

/** Reads a stream to its end, or for `timeoutMs`, or up to `maxBytes`; whichever comes first. Never rejects. */
export function readAll(
  stream: NodeJS.ReadableStream & { destroy?: () => void },
  timeoutMs: number,
  maxBytes: number,
): Promise<{ bytes: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (complete: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      stream.on('error', () => {}); // a late EPIPE/EBADF must not become an uncaught exception
      try {
        stream.pause();
        stream.destroy?.(); // a stdin that never closes would keep the process alive
      } catch {
        /* already closed */
      }
      resolve({ bytes: Buffer.concat(chunks, size), complete });
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (size + buf.length > maxBytes) {
        chunks.push(buf.subarray(0, maxBytes - size));
        size = maxBytes;
        finish(false);
        return;
      }
      chunks.push(buf);
      size += buf.length;
    };
    const onEnd = () => finish(true);
    const onError = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.resume();
  });
}
