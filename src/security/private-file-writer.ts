import { Worker } from 'node:worker_threads';

/*
 * Private files written from a worker thread. The server writes one per spawn (the session's manifest) and
 * 64 spawns run at once: every fs call made from the event loop costs it a hand-off to libuv's threads and a
 * completion back (a mkdir, an open, a write and a close: four of each), plus fs/promises' FileHandle and
 * promises. Measured over 2800 writes 64 at a time (0600 file, fresh 0700 folder, 2.5 KB): fs/promises
 * 63 us of main-thread CPU a write, callback fs.writeFile 33 us, fs.open/write/close callbacks 64 us,
 * writeFileSync 1200 us (the disk's time on the event loop), one message to this worker and one back 11 us.
 * The worker makes the same calls with callbacks, so writes still run in parallel on libuv's threads.
 *
 * Its code is a string (a CommonJS script) so that it runs the same from dist/ and from the TypeScript
 * sources under the test runner, with no file of its own to find.
 */
const WORKER_SOURCE = String.raw`
const fs = require('node:fs');
const { dirname } = require('node:path');
const { parentPort } = require('node:worker_threads');

// A temporary name of its own per write: two writes of one file in flight at once must not share one (the
// "w" keeps them apart from the main thread's writePrivateFile names).
let written = 0;
const tempName = (path) => path + '.' + process.pid + '.w' + ++written + '.tmp';

// Creates dir 0700 (missing parents too); done(err, madeItNow). A folder made just now is 0700 at most (a
// umask only takes bits away): only one that was there before is tightened. The plain mkdir comes first: the
// parent (the home's sessions/) is there nearly always, and the recursive one costs more.
function makePrivateDir(dir, done) {
  fs.mkdir(dir, { mode: 0o700 }, (err) => {
    if (!err) return done(null, true);
    const tighten = () => fs.chmod(dir, 0o700, (e) => done(e, false));
    if (err.code === 'ENOENT') fs.mkdir(dir, { recursive: true, mode: 0o700 }, (e) => (e ? done(e) : tighten()));
    else if (err.code === 'EEXIST') tighten();
    else done(err);
  });
}

// In a folder made just now nobody has the path yet: nothing to replace, so no temporary file and rename
// (unless another write of the same file got there first: then it is replaced as usual).
function writePrivate({ path, content, mode }, done) {
  const replace = () => {
    const tmp = tempName(path);
    fs.writeFile(tmp, content, { mode }, (err) => {
      if (err) return fs.rm(tmp, { force: true }, () => done(err));
      fs.rename(tmp, path, (e) => (e ? fs.rm(tmp, { force: true }, () => done(e)) : done(null)));
    });
  };
  makePrivateDir(dirname(path), (err, made) => {
    if (err) return done(err);
    if (!made) return replace();
    fs.writeFile(path, content, { mode, flag: 'wx' }, (e) => (e && e.code === 'EEXIST' ? replace() : done(e)));
  });
}

parentPort.on('message', (job) =>
  writePrivate(job, (err) =>
    parentPort.postMessage({
      id: job.id,
      error: err && { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall, path: err.path },
    }),
  ),
);
`;

interface Job {
  id: number;
  path: string;
  content: string;
  mode: number;
}

interface Reply {
  id: number;
  error: { message: string; code?: string; errno?: number; syscall?: string; path?: string } | null;
}

type Pending = Map<number, { resolve: () => void; reject: (err: Error) => void }>;

/** The process's writer: one worker, started at its first write (and again after one that failed). */
class PrivateFileWriter {
  private current: { worker: Worker; pending: Pending } | undefined;
  private lastId = 0;

  write(path: string, content: string, mode: number): Promise<void> {
    const { worker, pending } = this.current ?? this.start();
    const id = ++this.lastId;
    return new Promise<void>((resolve, reject) => {
      // A write in flight keeps the process alive, as fs calls of its own would; an idle worker does not.
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, path, content, mode } satisfies Job);
    });
  }

  private start(): { worker: Worker; pending: Pending } {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const current = { worker, pending: new Map() as Pending };
    worker.unref();
    worker.on('message', ({ id, error }: Reply) => {
      const job = current.pending.get(id);
      if (!job) return;
      current.pending.delete(id);
      if (current.pending.size === 0) worker.unref();
      if (!error) return job.resolve();
      job.reject(Object.assign(new Error(error.message), { code: error.code, errno: error.errno, syscall: error.syscall, path: error.path }));
    });
    // A worker that failed takes its own writes with it; the next write starts another.
    const fail = (err: Error) => {
      if (this.current === current) this.current = undefined;
      for (const { reject } of current.pending.values()) reject(err);
      current.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the private file writer stopped (exit code ${code})`)));
    this.current = current;
    return current;
  }
}

const writer = new PrivateFileWriter();

/** Writes `content` to `path` 0600 (the folder 0700, tightened if it was there), replacing it atomically, from the worker. */
export function writePrivateFileInWorker(path: string, content: string, mode: number): Promise<void> {
  return writer.write(path, content, mode);
}
