/**
 * Cross-origin attacks from a real browser. The owner is signed in to the dashboard (the browser holds
 * the HttpOnly SameSite=Strict cookie); a page on another local port, and a sandboxed frame in it
 * (Origin: null), try to ride that cookie: read the API, spawn a session that runs a command, stop or type
 * into the live shell session, through CORS and no-cors fetches, beacons, images, forms and WebSockets.
 * SameSite does not help here: ports do not separate sites, so 127.0.0.1:<other> is same-site and the
 * cookie IS sent; only the server's Origin / Sec-Fetch-Site checks stand in the way.
 * Positive controls run the same attack code from the dashboard's own origin, where it must work.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINISHED_SESSION_STATUSES } from '../src/core/constants.js';
import { readSecret } from '../src/security/secret.js';
import { startTestServer, waitFor, type TestServer } from './helpers.js';
import { FAST_TIMING, killTmuxServer } from './pty-support.js';
import { launchChromium } from './web-support.js';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let attacker: Server;
let attackerPort = 0;
let shellId = '';
let projectId = '';
let markerDir = '';
const cookieName = () => `maestro_auth_${server.server.port}`;

/** What reached the server for each tagged attack (`?attack=<tag>`), and whether an upgrade was accepted. */
interface Seen { tag: string; method: string; origin?: string; site?: string; cookie: boolean; status?: number; upgrade: boolean; accepted?: boolean }
const seen: Seen[] = [];
const tagOf = (req: IncomingMessage) => /[?&]attack=([^&]+)/.exec(req.url ?? '')?.[1];
function observe(req: IncomingMessage, upgrade: boolean): Seen | undefined {
  const tag = tagOf(req);
  if (!tag) return undefined;
  const entry: Seen = { tag, method: req.method ?? '', origin: req.headers.origin, site: req.headers['sec-fetch-site'] as string | undefined, cookie: (req.headers.cookie ?? '').includes(`${cookieName()}=`), upgrade };
  seen.push(entry);
  return entry;
}

/**
 * The attacker's script, as plain JavaScript (it also runs inside a sandboxed srcdoc frame). Returns what
 * the page could see of each attempt. `touch` markers name the attack, so a command that ran is traced.
 */
const ATTACK_JS = String.raw`async (cfg) => {
  const out = [];
  const tag = (name) => 'attack=' + cfg.label + '-' + name;
  // the tag lets the server-side log match requests to attacks (the control goes untagged: a GET's
  // query is its operation's input, and an unknown field is refused)
  const url = (path, name) => cfg.target + path + (cfg.untagged ? '' : (path.includes('?') ? '&' : '?') + tag(name));
  const marker = (name) => cfg.markerDir + '/' + cfg.label + '-' + name;
  const record = async (name, fn) => {
    try { out.push({ name, ...(await fn()) }); } catch (e) { out.push({ name, error: String(e) }); }
  };
  const read = async (res) => ({ status: res.status, type: res.type, body: (await res.text()).slice(0, 500) });
  const spawnBody = (name) => JSON.stringify({ project: cfg.project, agentCommand: 'touch ' + marker(name) });
  const inputBody = (name) => JSON.stringify({ data: 'touch ' + marker(name) + '\r' });
  const json = { 'content-type': 'application/json' };
  const plain = { 'content-type': 'text/plain' };

  await record('cors-get', async () => read(await fetch(url('/api/sessions', 'cors-get'), { credentials: 'include' })));
  await record('cors-spawn', async () => read(await fetch(url('/api/sessions', 'cors-spawn'), { method: 'POST', credentials: 'include', headers: cfg.json ? json : plain, body: spawnBody('cors-spawn') })));
  if (!cfg.controlOnly) {
    await record('nocors-spawn', async () => read(await fetch(url('/api/sessions', 'nocors-spawn'), { method: 'POST', mode: 'no-cors', credentials: 'include', headers: plain, body: spawnBody('nocors-spawn') })));
    await record('nocors-stop', async () => read(await fetch(url('/api/sessions/' + cfg.session + '/stop', 'nocors-stop'), { method: 'POST', mode: 'no-cors', credentials: 'include', headers: plain, body: '{}' })));
    await record('nocors-input', async () => read(await fetch(url('/api/sessions/' + cfg.session + '/input', 'nocors-input'), { method: 'POST', mode: 'no-cors', credentials: 'include', headers: plain, body: inputBody('nocors-input') })));
    await record('nocors-opstop', async () => read(await fetch(url('/api/ops/session_stop', 'nocors-opstop'), { method: 'POST', mode: 'no-cors', credentials: 'include', headers: plain, body: JSON.stringify({ sessionId: cfg.session }) })));
    await record('beacon-input', async () => ({ queued: navigator.sendBeacon(url('/api/sessions/' + cfg.session + '/input', 'beacon-input'), inputBody('beacon-input')) }));
    await record('img-get', () => new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve({ loaded: true });
      img.onerror = () => resolve({ loaded: false });
      img.src = url('/api/sessions', 'img-get');
    }));
  }
  if (cfg.forms) {
    for (const [name, path, field] of [['form-spawn', '/api/sessions', '{"project":"' + cfg.project + '","agentCommand":"touch ' + marker('form-spawn') + '","x":"'], ['form-input', '/api/sessions/' + cfg.session + '/input', '{"data":"touch ' + marker('form-input') + '\\r","x":"']]) {
      await record(name, () => new Promise((resolve) => {
        const sink = document.createElement('iframe');
        sink.name = 'sink-' + name;
        document.body.append(sink);
        const form = document.createElement('form');
        Object.assign(form, { method: 'post', enctype: 'text/plain', action: url(path, name), target: sink.name });
        const input = document.createElement('input');
        Object.assign(input, { name: field, value: '"}' });
        form.append(input);
        document.body.append(form);
        sink.onload = () => resolve({ submitted: true });
        form.submit();
        setTimeout(() => resolve({ submitted: 'no load event' }), 3000);
      }));
    }
  }
  const socket = (name, path, send) => new Promise((resolve) => {
    const r = { opened: false, messages: [], closeCode: null };
    let ws;
    try { ws = new WebSocket(cfg.wsTarget + path + (cfg.untagged ? '' : '?' + tag(name))); } catch (e) { resolve({ error: String(e) }); return; }
    ws.onopen = () => { r.opened = true; if (send) ws.send(send); };
    ws.onmessage = (e) => r.messages.push(String(e.data).slice(0, 300));
    ws.onclose = (e) => { r.closeCode = e.code; resolve(r); };
    setTimeout(() => { ws.close(); resolve(r); }, 2500);
  });
  await record('ws-events', () => socket('ws-events', '/ws', null));
  await record('ws-terminal', () => socket('ws-terminal', '/ws/terminal/' + cfg.session, JSON.stringify({ type: 'input', data: 'touch ' + marker('ws-terminal') + '\r' })));
  // The MCP socket of maestro mcp: a frame whose tool call spawns an agent that leaves a marker.
  const spawnCall = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'session_spawn', arguments: { project: cfg.project, agentCommand: 'touch ' + marker('ws-mcp') } } };
  await record('ws-mcp', () => socket('ws-mcp', '/mcp/ws', '{"n":1}\n' + JSON.stringify(spawnCall)));
  return out;
}`;

interface Outcome { name: string; status?: number; type?: string; body?: string; error?: string; opened?: boolean; messages?: string[]; closeCode?: number | null }

const cfgFor = (label: string, target: string, more: Record<string, unknown> = {}) => ({
  label, target, wsTarget: target.replace('http', 'ws'), project: projectId, session: shellId, markerDir, json: false, forms: true, controlOnly: false, untagged: false, ...more,
});

async function runAttack(page: Page, cfg: ReturnType<typeof cfgFor>): Promise<Outcome[]> {
  return page.evaluate(`(${ATTACK_JS})(${JSON.stringify(cfg)})`) as Promise<Outcome[]>;
}

/** The same script inside `<iframe sandbox="allow-scripts" srcdoc>`: an opaque origin, `Origin: null`. */
async function runInSandbox(page: Page, cfg: ReturnType<typeof cfgFor>): Promise<Outcome[]> {
  const script = `(${ATTACK_JS})(${JSON.stringify(cfg)}).then((r) => parent.postMessage({ sandboxResults: r }, '*'))`;
  return page.evaluate(
    (src) =>
      new Promise<Outcome[]>((resolve) => {
        window.addEventListener('message', (e) => e.data?.sandboxResults && resolve(e.data.sandboxResults));
        const frame = document.createElement('iframe');
        frame.setAttribute('sandbox', 'allow-scripts');
        frame.srcdoc = `<script>${src}</script>`;
        document.body.append(frame);
      }),
    script,
  );
}

const markers = () => readdirSync(markerDir).sort();
const shellAlive = () => server.supervisor!.isLive(shellId) && !FINISHED_SESSION_STATUSES.includes(server.svc.sessions.get(shellId).status);

beforeAll(async () => {
  server = await startTestServer({ supervisor: true, supervisorTiming: FAST_TIMING });
  const workdir = join(server.home, 'work');
  markerDir = join(server.home, 'markers');
  mkdirSync(workdir, { recursive: true });
  mkdirSync(markerDir);
  projectId = server.svc.projects.create({ name: 'victim', workingDir: workdir }).id;
  // A real shell: whatever is typed into its terminal runs.
  shellId = (await server.svc.spawn({ projectId, taskIds: [], agentCommand: 'sh', name: 'shell' })).session.id;
  server.server.http.prependListener('request', (req, res) => {
    const entry = observe(req, false);
    if (entry) res.on('finish', () => (entry.status = res.statusCode));
  });
  server.server.http.prependListener('upgrade', (req) => observe(req, true));
  // ws emits 'headers' just before it completes a handshake: an attack upgrade seen here was accepted
  server.server.ws.wss.on('headers', (_h, req) => {
    for (const s of seen) if (s.upgrade && s.tag === tagOf(req)) s.accepted = true;
  });
  attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>totally harmless</title><body>'));
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  attackerPort = (attacker.address() as { port: number }).port;
  browser = await launchChromium();
  await waitFor(() => server.supervisor!.isLive(shellId), 15_000, 'the shell session');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => attacker?.close(r));
  if (server) {
    await server.close();
    await killTmuxServer(server.home).catch(() => undefined);
    rmSync(server.home, { recursive: true, force: true });
  }
});

describe('the signed-in dashboard (positive controls)', () => {
  it('holds an HttpOnly SameSite=Strict cookie, and its own origin can read, spawn and type with it', async () => {
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    const login = await page.evaluate(async (token) => (await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) })).status, secret());
    expect(login).toBe(204);
    const cookie = (await context.cookies()).find((c) => c.name === cookieName());
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate((name) => document.cookie.includes(name), cookieName())).toBe(false);

    // The attack script itself, from the right origin: everything works (so the attacks below can fail).
    const results = await runAttack(page, cfgFor('control', server.url, { json: true, forms: false, controlOnly: true, untagged: true }));
    const by = (name: string) => results.find((r) => r.name === name)!;
    expect(by('cors-get')).toMatchObject({ status: 200 });
    expect(by('cors-get').body).toContain(shellId);
    expect(by('cors-spawn')).toMatchObject({ status: 201 });
    expect(by('ws-events').opened).toBe(true);
    expect(by('ws-terminal').opened).toBe(true);
    expect(by('ws-mcp').opened).toBe(true);
    expect(by('ws-mcp').messages?.[0]).toMatch(/^\{"n":1,"status":200/);
    await waitFor(
      () => ['control-cors-spawn', 'control-ws-terminal', 'control-ws-mcp'].every((m) => markers().includes(m)),
      10_000,
      'the control markers',
    );
    expect(shellAlive()).toBe(true);
  }, 60_000);
});

describe('attacks riding the cookie from other origins', () => {
  const attacks = [
    { label: 'ip', page: () => `http://127.0.0.1:${attackerPort}/`, target: () => server.url, sandbox: false },
    { label: 'lh', page: () => `http://localhost:${attackerPort}/`, target: () => server.url, sandbox: false },
    { label: 'lhlh', page: () => `http://localhost:${attackerPort}/`, target: () => `http://localhost:${server.server.port}`, sandbox: false },
    { label: 'null', page: () => `http://127.0.0.1:${attackerPort}/`, target: () => server.url, sandbox: true },
  ];

  for (const attack of attacks) {
    it(`fails from ${attack.sandbox ? 'a sandboxed frame (Origin: null)' : attack.label} against ${attack.label === 'lhlh' ? 'localhost' : '127.0.0.1'}`, async () => {
      expect(context, 'the control test signs the browser in first').toBeDefined();
      const sessionsBefore = server.svc.sessions.list().length;
      const page = await context.newPage();
      await page.goto(attack.page());
      const cfg = cfgFor(attack.label, attack.target(), { forms: !attack.sandbox });
      const results = attack.sandbox ? await runInSandbox(page, cfg) : await runAttack(page, cfg);
      await page.close();
      await new Promise((r) => setTimeout(r, 2000)); // time for anything that got through to run

      // nothing ran, nothing stopped, nothing was spawned
      expect(markers().filter((m) => m.startsWith(`${attack.label}-`))).toEqual([]);
      expect(shellAlive()).toBe(true);
      expect(server.svc.sessions.list()).toHaveLength(sessionsBefore);
      // the page read nothing: CORS reads failed, no-cors answers are opaque, sockets never opened
      for (const r of results) {
        expect(r.body ?? '', r.name).not.toContain('ses_');
        expect(r.status ?? 0, `${r.name} answer visible to the page`).toBe(0);
        expect(r.opened ?? false, `${r.name} socket opened`).toBe(false);
        expect(r.messages ?? [], r.name).toEqual([]);
      }
      // the requests did reach the server, and the server (not just the browser) refused every one
      const mine = seen.filter((s) => s.tag.startsWith(`${attack.label}-`));
      console.log(`${attack.label}: ${mine.length} requests reached the server (${mine.filter((s) => s.cookie).length} with the cookie): ${mine.map((s) => `${s.tag.slice(attack.label.length + 1)}=${s.upgrade ? (s.accepted ? 'ACCEPTED' : 'refused') : s.status}`).join(' ')}`);
      const names = new Set(mine.map((s) => s.tag.slice(attack.label.length + 1)));
      expect([...names].sort()).toEqual(results.map((r) => r.name).filter((n) => n !== 'beacon-input' || names.has(n)).sort());
      for (const s of mine) {
        if (s.upgrade) expect(s.accepted ?? false, `${s.tag} upgrade accepted`).toBe(false);
        else expect(s.status, `${s.method} ${s.tag} (Origin ${s.origin}, Sec-Fetch-Site ${s.site})`).toBe(403);
      }
      // from 127.0.0.1:<other port> the browser does send the cookie: the server's checks are what held
      if (attack.label === 'ip') expect(mine.some((s) => s.cookie)).toBe(true);
    }, 60_000);
  }
});

function secret(): string {
  const value = readSecret(server.home);
  if (!value) throw new Error(`no owner secret in ${server.home}`);
  return value;
}
