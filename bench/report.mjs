// The benchmark report (docs/benchmarks.md): bench/all.mjs hands it each benchmark's output, which
// replaces that benchmark's section between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` (added
// before `<!-- /results -->` the first time). The machine section and the list of goal lines are
// rewritten from what the file then holds; everything else in the file is left as written.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { stripVTControlCharacters } from 'node:util';
import pg from 'pg';

const TEMPLATE = `# Benchmarks

<!-- machine -->
<!-- /machine -->

## Goals as measured

<!-- goals -->
<!-- /goals -->

## Results

<!-- /results -->
`;

async function postgresVersion(url) {
  if (!url) return 'not measured';
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query('show server_version');
    return rows[0].server_version;
  } catch (error) {
    return `unreachable (${error.message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

function commit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(postgresUrl) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    postgres: await postgresVersion(postgresUrl),
    commit: commit(),
  };
}

function replaceBlock(text, open, close, body) {
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) return null;
  return `${text.slice(0, start + open.length)}\n${body}${text.slice(end)}`;
}

function section(machine, result) {
  const minute = result.started.toISOString().slice(0, 16).replace('T', ' ');
  const [before, after] = result.load.map((l) => l.toFixed(1));
  const busy = Math.max(...result.load) > machine.cores;
  return [
    `### ${result.name}`,
    '',
    `Measured ${minute} UTC, commit ${machine.commit}, ${result.seconds.toFixed(0)} s; ` +
      `load average ${before} before and ${after} after on ${machine.cores} cores` +
      `${busy ? ' (other work was running on the machine: figures are lower bounds)' : ''}; ` +
      `${result.settings.length ? `settings ${result.settings.join(' ')}; ` : ''}` +
      `exit status ${result.status}${result.status === 0 ? '' : ' (a goal missed or a failure)'}.`,
    '',
    '```text',
    stripVTControlCharacters(result.output).trim(),
    '```',
    '',
  ].join('\n');
}

/** Every output line stating a goal, from every benchmark section the file holds. */
function goalLines(text) {
  const rows = ['| Benchmark | Figure against its goal |', '| --- | --- |'];
  for (const match of text.matchAll(/<!-- bench:([\w-]+) -->([\s\S]*?)<!-- \/bench:\1 -->/g)) {
    for (const line of match[2].split('\n')) {
      if (/goal/i.test(line) && !line.startsWith('Measured ')) {
        rows.push(`| ${match[1]} | ${line.trim().replace(/\|/g, '\\|')} |`);
      }
    }
  }
  return `${rows.join('\n')}\n`;
}

/** As `npm run lint` wants it (prettier, a development dependency: left as is without it). */
async function formatted(file, text) {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, filepath: file });
  } catch {
    return text;
  }
}

export async function writeReport(file, machine, result) {
  let text = existsSync(file) ? await readFile(file, 'utf8') : TEMPLATE;
  const open = `<!-- bench:${result.name} -->`;
  const close = `<!-- /bench:${result.name} -->`;
  const body = section(machine, result);
  text =
    replaceBlock(text, open, close, body) ??
    (text.includes('<!-- /results -->')
      ? text.replace('<!-- /results -->', `${open}\n${body}${close}\n\n<!-- /results -->`)
      : `${text}\n${open}\n${body}${close}\n`);
  const machineText =
    `Last run on: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(0)} GiB memory, ` +
    `${machine.os}; Node ${machine.node}; PostgreSQL ${machine.postgres}.\n`;
  text = replaceBlock(text, '<!-- machine -->', '<!-- /machine -->', machineText) ?? text;
  text = replaceBlock(text, '<!-- goals -->', '<!-- /goals -->', goalLines(text)) ?? text;
  await writeFile(file, await formatted(file, text));
}
