/**
 * Import cycles in the TypeScript sources, without a dependency (madge is not available offline):
 * walks every .ts/.tsx file under the given folders (default: src and web/src), follows their relative
 * imports and re-exports, and prints each circle it finds. Exits 1 when there is one, so CI can run it
 * after the build: `node dist/scripts/check-cycles.js [--runtime] [folder…]`.
 *
 * `import type` counts by default (a type circle still ties the modules together); `--runtime` leaves
 * those out, to see only the circles that change load order. Dynamic `import()` is not followed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = /\.(ts|tsx|mts)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);

/** The repository root: the nearest folder up from this file that holds a package.json with src/ beside it. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

function listSources(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIP_DIRS.has(name)) listSources(path, out);
    } else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The relative specifiers a file imports or re-exports (statically), each with whether it is type-only. */
export function importsOf(text: string): { spec: string; typeOnly: boolean }[] {
  const found: { spec: string; typeOnly: boolean }[] = [];
  // Comments out first (so a commented-out import is no edge), strings kept; good enough for sources.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  // The clause between the keyword and `from`: names, `* as x`, and at most one `{ … }` list.
  const statement = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?([\w$*\s,]*?(?:\{[^}]*\})?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of code.matchAll(statement)) {
    const clause = m[3] ?? '';
    // `import { type A, type B } from` is type-only too when every name in the braces is.
    const names = /^\{([\s\S]*)\}$/.exec(clause.trim())?.[1]?.split(',').map((s) => s.trim()).filter(Boolean);
    const allTypes = names !== undefined && names.length > 0 && names.every((n) => n.startsWith('type '));
    found.push({ spec: m[4]!, typeOnly: Boolean(m[2]) || allTypes });
  }
  for (const m of code.matchAll(/(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]/g)) found.push({ spec: m[1]!, typeOnly: false });
  return found.filter((i) => i.spec.startsWith('.'));
}

/** The file a relative specifier names: `./x.js` is `./x.ts` (or .tsx), `./x` is `./x.ts` or `./x/index.ts`. */
function resolveImport(from: string, spec: string, files: Set<string>): string | null {
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(js|jsx|mjs|ts|tsx|mts)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, join(base, 'index.ts'), join(base, 'index.tsx')];
  return candidates.find((c) => files.has(c)) ?? null;
}

/** Strongly connected components of more than one file (or a file importing itself): Tarjan's. */
function circles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

/** One concrete circle through a component, for the report: a → b → … → a. */
function pathThrough(component: string[], graph: Map<string, string[]>): string[] {
  const inside = new Set(component);
  const start = [...component].sort()[0]!;
  // Breadth-first from start back to start, within the component.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at: string | undefined = v; at !== undefined && at !== start; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function main(argv: string[]): number {
  const runtimeOnly = argv.includes('--runtime');
  const root = repoRoot();
  const folders = argv.filter((a) => !a.startsWith('--'));
  const roots = (folders.length ? folders : ['src', 'web/src']).map((f) => resolve(root, f));
  const files = new Set(roots.flatMap((r) => listSources(r)));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = importsOf(readFileSync(file, 'utf8'))
      .filter((i) => !(runtimeOnly && i.typeOnly))
      .map((i) => resolveImport(file, i.spec, files))
      .filter((t): t is string => t !== null);
    graph.set(file, [...new Set(targets)]);
  }
  const found = circles(graph);
  const name = (f: string) => relative(root, f);
  const scope = `${files.size} files under ${roots.map(name).join(', ')}${runtimeOnly ? ' (runtime imports only)' : ''}`;
  if (found.length === 0) {
    console.log(`no import cycles in ${scope}`);
    return 0;
  }
  console.error(`${found.length} import cycle(s) in ${scope}:`);
  for (const component of found) {
    console.error(`  ${pathThrough(component, graph).map(name).join(' -> ')}`);
    if (component.length > 2) console.error(`    (${component.length} files tied together: ${component.map(name).sort().join(', ')})`);
  }
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
