/**
 * Writes schemas/<operation>.json (JSON Schema of each operation's input), schemas/<operation>.result.json
 * (of its result, as REST and `--json` return it) and schemas/error.json (of an error's wire form) from the
 * zod schemas, or with --check fails when the checked-in files differ from what the code says (stale or
 * missing or extra).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ErrorJsonSchema } from '../src/core/entities/error.js';
import { OPERATIONS } from '../src/core/operations.js';

const root = resolve(import.meta.dirname, '..', '..');
const dir = join(root, 'schemas');
const check = process.argv.includes('--check');

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function render(): Map<string, string> {
  const files = new Map<string, string>();
  const index: Record<string, { tool: string; title: string; access: string; file: string; result: string }> = {};
  for (const op of OPERATIONS) {
    const file = `${op.name}.json`;
    const result = `${op.name}.result.json`;
    files.set(
      file,
      json({
        $id: `https://maestro.local/schemas/${file}`,
        title: op.title,
        description: op.description,
        ...z.toJSONSchema(op.input, { target: 'draft-2020-12', io: 'input' }),
      }),
    );
    files.set(
      result,
      json({
        $id: `https://maestro.local/schemas/${result}`,
        title: `${op.title}: result`,
        ...z.toJSONSchema(op.output, { target: 'draft-2020-12', io: 'output' }),
      }),
    );
    index[op.name] = { tool: op.tool, title: op.title, access: op.access, file, result };
  }
  files.set(
    'error.json',
    json({ $id: 'https://maestro.local/schemas/error.json', title: 'Error', ...z.toJSONSchema(ErrorJsonSchema, { target: 'draft-2020-12', io: 'output' }) }),
  );
  files.set('index.json', json(index));
  return files;
}

const wanted = render();
if (check) {
  const problems: string[] = [];
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  for (const [file, content] of wanted) {
    const path = join(dir, file);
    if (!existsSync(path)) problems.push(`missing ${file}`);
    else if (readFileSync(path, 'utf8') !== content) problems.push(`stale ${file}`);
  }
  for (const file of present) if (!wanted.has(file)) problems.push(`extra ${file}`);
  if (problems.length > 0) {
    console.error(`schemas/ is out of date (${problems.join(', ')}); run \`npm run schemas\` and commit the result`);
    process.exit(1);
  }
  console.error(`schemas/ is up to date (${wanted.size} files)`);
} else {
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(dir)) if (file.endsWith('.json') && !wanted.has(file)) rmSync(join(dir, file));
  for (const [file, content] of wanted) writeFileSync(join(dir, file), content);
  console.error(`wrote ${wanted.size} files to schemas/`);
}
