import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ReceivedRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpReceiver {
  url: string;
  received: ReceivedRequest[];
  /** The status every request gets from now on (a 5xx makes the sink retry). */
  answer(status: number, body?: string): void;
  close(): Promise<void>;
}

/** A real HTTP server on a free local port that keeps every request and answers as told. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const received: ReceivedRequest[] = [];
  let status = 200;
  let reply = '{}';
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (status < 300) {
        received.push({
          url: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      }
      response.writeHead(status, { 'content-type': 'application/json' }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(next, body = '{}') {
      status = next;
      reply = body;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`rsyslogd did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with the openssl command. */
export function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

export interface SyslogReceiver {
  port: number;
  dir: string;
  /** Lines as rsyslog re-emits them in RFC 5424 (RSYSLOG_SyslogProtocol23Format). */
  lines(): string[];
  /** Per message, rsyslog's own parse of its structured data (mmpstrucdata), as JSON. */
  parsed(): { msgid: string; sd: Record<string, Record<string, string>> }[];
  /** Resolves once `count` lines are written (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Debian's rsyslogd on a free local port with a configuration of its own (imtcp, octet-counted
 * framing, optionally TLS through the ossl driver), writing what it receives to files in a temporary
 * directory: no system path, no system rsyslog.
 */
export async function startRsyslog(tls?: { cert: string; key: string }): Promise<SyslogReceiver> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-rsyslog-'));
  const port = await freePort();
  const out = path.join(dir, 'rfc5424.log');
  const parsedOut = path.join(dir, 'parsed.log');
  const config = [
    `global(workDirectory="${dir}" maxMessageSize="64k"${
      tls
        ? ` defaultNetstreamDriver="ossl" defaultNetstreamDriverCAFile="${tls.cert}" defaultNetstreamDriverCertFile="${tls.cert}" defaultNetstreamDriverKeyFile="${tls.key}"`
        : ''
    })`,
    tls
      ? 'module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")'
      : 'module(load="imtcp")',
    'module(load="mmpstrucdata")',
    'template(name="parsed" type="list") { property(name="msgid") constant(value=" ") property(name="$!rfc5424-sd") constant(value="\\n") }',
    `input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="sinks" supportOctetCountedFraming="on")`,
    'ruleset(name="sinks") {',
    `  action(type="omfile" file="${out}" template="RSYSLOG_SyslogProtocol23Format")`,
    '  action(type="mmpstrucdata")',
    `  action(type="omfile" file="${parsedOut}" template="parsed")`,
    '}',
  ].join('\n');
  const configFile = path.join(dir, 'rsyslog.conf');
  fs.writeFileSync(configFile, config);
  const child: ChildProcess = spawn(
    'rsyslogd',
    ['-n', '-f', configFile, '-i', path.join(dir, 'rsyslogd.pid')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForPort(port, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}: ${stderr}`);
  }
  const read = (file: string) =>
    fs.existsSync(file)
      ? fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
      : [];
  return {
    port,
    dir,
    lines: () => read(out),
    parsed: () =>
      read(parsedOut).map((line) => {
        const space = line.indexOf(' ');
        const sd = JSON.parse(line.slice(space + 1)) as Record<string, Record<string, string>>;
        return { msgid: line.slice(0, space), sd };
      }),
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lines = read(out);
        if (lines.length >= count && read(parsedOut).length >= count) return lines;
        if (Date.now() > deadline)
          throw new Error(`rsyslog wrote ${lines.length} of ${count} lines: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
