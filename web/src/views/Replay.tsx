import type { Terminal } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorMessage } from '../api';
import { Empty, Spinner } from '../components/ui';
import { TmuxFilter, bufferText, makeTerminal } from '../term';

/** One asciicast v2 recording: header line, then `[time, code, data]` lines. */
export interface Cast {
  width: number;
  height: number;
  idleTimeLimit: number | null;
  title: string | null;
  /** Output ('o') and resize ('r') events; times in seconds from the start. */
  events: Array<{ t: number; code: 'o' | 'r'; data: string }>;
}

export function parseCast(text: string): Cast {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('the recording is empty');
  const header = JSON.parse(lines[0]!) as { version?: number; width?: number; height?: number; idle_time_limit?: number; title?: string };
  if (header.version !== 2) throw new Error(`unsupported recording version ${String(header.version)} (expected asciicast v2)`);
  const events: Cast['events'] = [];
  const filter = new TmuxFilter();
  for (const line of lines.slice(1)) {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      continue; // a torn last line of a recording still being written
    }
    if (!Array.isArray(row) || typeof row[0] !== 'number' || typeof row[2] !== 'string') continue;
    if (row[1] === 'o') events.push({ t: row[0], code: 'o', data: filter.push(row[2]) });
    else if (row[1] === 'r') events.push({ t: row[0], code: 'r', data: row[2] });
  }
  const rest = filter.flush();
  if (rest) events.push({ t: events.length ? events[events.length - 1]!.t : 0, code: 'o', data: rest });
  return {
    width: header.width && header.width > 0 ? header.width : 80,
    height: header.height && header.height > 0 ? header.height : 24,
    idleTimeLimit: typeof header.idle_time_limit === 'number' ? header.idle_time_limit : null,
    title: header.title ?? null,
    events,
  };
}

/** Event times with every pause longer than `limit` seconds shortened to `limit`. */
export function compressIdle(events: Cast['events'], limit: number | null): number[] {
  const out: number[] = [];
  let prevRaw = 0;
  let prevAdj = 0;
  for (const e of events) {
    const gap = Math.max(0, e.t - prevRaw);
    prevAdj += limit === null ? gap : Math.min(gap, limit);
    prevRaw = e.t;
    out.push(prevAdj);
  }
  return out;
}

const fmt = (sec: number) => {
  const s = Math.max(0, Math.floor(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

const SPEEDS = [0.5, 1, 2, 4, 8, 16];
const IDLE_CAP = 1;

export function ReplayView(props: { sessionId: string }) {
  const [cast, setCast] = useState<Cast | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setCast(null);
    setError(null);
    api
      .recording(props.sessionId)
      .then((text) => !cancelled && setCast(parseCast(text)))
      .catch((err) => !cancelled && setError(errorMessage(err)));
    return () => {
      cancelled = true;
    };
  }, [props.sessionId, reload]);

  if (error)
    return (
      <Empty title="No recording to replay" testid="replay-empty">
        <p>{error}</p>
        <button type="button" class="btn" onClick={() => setReload((n) => n + 1)}>
          Try again
        </button>
      </Empty>
    );
  if (!cast) return <Spinner label="Loading recording" />;
  return <Player cast={cast} sessionId={props.sessionId} onReload={() => setReload((n) => n + 1)} />;
}

function Player(props: { cast: Cast; sessionId: string; onReload: () => void }) {
  const { cast } = props;
  const host = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [skipIdle, setSkipIdle] = useState(true);
  const [pos, setPos] = useState(0);

  const limit = skipIdle ? Math.min(cast.idleTimeLimit ?? IDLE_CAP, IDLE_CAP) : cast.idleTimeLimit;
  const times = useRef<number[]>([]);
  times.current = compressIdle(cast.events, limit);
  const duration = times.current.length ? times.current[times.current.length - 1]! : 0;

  // Playback cursor, kept out of render state: index of the next event to write, and the position.
  const cursor = useRef({ next: 0, pos: 0 });

  const applyUpTo = (term: Terminal, target: number) => {
    const c = cursor.current;
    let chunk = '';
    while (c.next < cast.events.length && times.current[c.next]! <= target) {
      const e = cast.events[c.next]!;
      if (e.code === 'o') chunk += e.data;
      else {
        if (chunk) term.write(chunk);
        chunk = '';
        const m = /^(\d+)x(\d+)$/.exec(e.data);
        if (m) term.resize(Number(m[1]), Number(m[2]));
      }
      c.next++;
    }
    if (chunk) term.write(chunk);
    c.pos = target;
  };

  const seek = (target: number) => {
    const term = termRef.current;
    if (!term) return;
    const t = Math.max(0, Math.min(duration, target));
    if (t < cursor.current.pos) {
      term.reset();
      term.resize(cast.width, cast.height);
      cursor.current = { next: 0, pos: 0 };
    }
    applyUpTo(term, t);
    setPos(t);
  };

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const term = makeTerminal({ cols: cast.width, rows: cast.height, disableStdin: true, cursorBlink: false });
    term.open(el);
    termRef.current = term;
    cursor.current = { next: 0, pos: 0 };
    (window.__maestroTerminals ??= {})[`replay:${props.sessionId}`] = () => bufferText(term);
    setPlaying(true);
    return () => {
      if (window.__maestroTerminals) delete window.__maestroTerminals[`replay:${props.sessionId}`];
      term.dispose();
      termRef.current = null;
    };
  }, [cast]);

  // Idle compression changes every event time: keep the same event index, move the position there.
  useEffect(() => {
    const c = cursor.current;
    const t = c.next > 0 ? times.current[c.next - 1]! : 0;
    c.pos = t;
    setPos(t);
  }, [skipIdle]);

  useEffect(() => {
    if (!playing) return;
    const term = termRef.current;
    if (!term) return;
    if (cursor.current.pos >= duration) seek(0);
    let last = performance.now();
    let raf = 0;
    let lastPaint = 0;
    const tick = (now: number) => {
      const dt = ((now - last) / 1000) * speed;
      last = now;
      const target = Math.min(duration, cursor.current.pos + dt);
      applyUpTo(term, target);
      if (now - lastPaint > 100 || target >= duration) {
        lastPaint = now;
        setPos(target);
      }
      if (target >= duration) {
        setPlaying(false);
        return;
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => {
      cancelAnimationFrame(raf);
      setPos(cursor.current.pos); // the shown position may lag up to 100 ms behind
    };
  }, [playing, speed, duration]);

  const ended = pos >= duration && duration > 0;
  const pct = duration > 0 ? Math.round((pos / duration) * 100) : 100;

  return (
    <div
      class="replay"
      data-testid="replay-view"
      onKeyDown={(e) => {
        if (e.key === ' ' && (e.target as HTMLElement).tagName !== 'SELECT' && (e.target as HTMLElement).tagName !== 'INPUT') {
          e.preventDefault();
          setPlaying((p) => !p);
        }
      }}
    >
      <div class="replay-bar">
        <button
          type="button"
          class="btn primary play-btn"
          data-testid="replay-play"
          aria-label={playing ? 'Pause' : ended ? 'Replay from the start' : 'Play'}
          onClick={() => setPlaying((p) => !p)}
        >
          <span aria-hidden="true">{playing ? '❚❚' : ended ? '↺' : '▶'}</span>
          <span class="play-label">{playing ? 'Pause' : ended ? 'Again' : 'Play'}</span>
        </button>
        <label class="inline-label">
          <span>Speed</span>
          <select aria-label="Playback speed" data-testid="replay-speed" value={String(speed)} onChange={(e) => setSpeed(Number(e.currentTarget.value))}>
            {SPEEDS.map((sp) => (
              <option value={String(sp)}>{sp}×</option>
            ))}
          </select>
        </label>
        <input
          type="range"
          class="progress"
          aria-label="Playback position"
          aria-valuetext={`${fmt(pos)} of ${fmt(duration)}`}
          data-testid="replay-progress"
          min={0}
          max={Math.max(duration, 0.001)}
          step={0.01}
          value={pos}
          style={{ '--pct': `${pct}%` }}
          onInput={(e) => seek(Number(e.currentTarget.value))}
        />
        <span class="replay-time mono" data-testid="replay-time" data-pos={pos.toFixed(2)} data-duration={duration.toFixed(2)}>
          {fmt(pos)} / {fmt(duration)}
        </span>
        <label class="check-label small">
          <input type="checkbox" checked={skipIdle} onChange={(e) => setSkipIdle(e.currentTarget.checked)} />
          Skip idle
        </label>
        <a class="btn small ghost" href={api.recordingUrl(props.sessionId)} download={`${props.sessionId}.cast`}>
          Download .cast
        </a>
        <button type="button" class="btn small ghost" onClick={props.onReload} title="Fetch the recording again (it grows while the session runs)">
          Refresh
        </button>
      </div>
      <div
        class="replay-screen"
        role="region"
        aria-label={`Replay of session ${props.sessionId}`}
        tabIndex={0}
      >
        <div ref={host} class="replay-host" data-testid="replay-terminal" />
      </div>
      <p class="subtle small">
        {cast.width}×{cast.height} · {cast.events.length} events · Space plays and pauses.
      </p>
    </div>
  );
}
