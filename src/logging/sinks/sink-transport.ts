import net from 'node:net';
import tls from 'node:tls';
import { signatureHeaders } from '../../shared/hmac-signature.js';
import { formatCef, formatRfc5424, octetCounted } from './formats/syslog.js';
import { bulkBody, bulkFailures, splunkHecBody, webhookBody } from './formats/http-bodies.js';
import { otlpBody } from './formats/otlp.js';
import type { SinkConfig, SinkEntry } from './sink-types.js';

/**
 * A delivery that did not go through. Its message is written here, from the status or the error code
 * alone: never from the receiver's answer or a library's message, which could repeat a URL, a header
 * or a token.
 */
export class SinkDeliveryError extends Error {
  override name = 'SinkDeliveryError';
}

export interface TransportOptions {
  timeoutMs: number;
  /** HOSTNAME of syslog lines and `host` of the HTTP formats. */
  hostname: string;
  /** The product version in CEF headers. */
  version: string;
  /** Extra certificate authorities (PEM) trusted for `tls://` syslog, beside the system's. */
  ca?: string;
}

const CODE = /^[A-Z0-9_]{2,60}$/;

/** A network or TLS failure as a short reason that names no address, header or secret. */
export function reasonOf(error: unknown, timeoutMs: number): string {
  if (error instanceof SinkDeliveryError) return error.message;
  const e = error as { name?: string; code?: unknown; cause?: { code?: unknown; name?: string } };
  if (e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError') {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const code = [e?.cause?.code, e?.code].find((c): c is string => typeof c === 'string' && CODE.test(c));
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not resolved';
    case 'ECONNRESET':
      return 'connection reset by the receiver';
    case 'ETIMEDOUT':
      return `no answer within ${timeoutMs / 1000} s`;
    case undefined:
      return 'delivery failed';
    default:
      return code.startsWith('ERR_TLS') || code.includes('CERT') || code.includes('SSL')
        ? `TLS failed (${code})`
        : `delivery failed (${code})`;
  }
}

async function post(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
  timeoutMs: number,
) {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers,
    redirect: 'error',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (response.status < 200 || response.status >= 300) {
    throw new SinkDeliveryError(`the receiver answered HTTP ${response.status}`);
  }
  return text;
}

/** Writes the frames on one connection and ends it; done once every byte is handed to the peer. */
function sendFrames(sink: SinkConfig, frames: Buffer[], options: TransportOptions): Promise<void> {
  const url = new URL(sink.url);
  const port = Number(url.port);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise<void>((resolve, reject) => {
    const socket =
      url.protocol === 'tls:'
        ? tls.connect({
            host,
            port,
            servername: net.isIP(host) ? undefined : host,
            ca: options.ca ? [...tls.rootCertificates, options.ca] : undefined,
          })
        : net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
    }, options.timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once(url.protocol === 'tls:' ? 'secureConnect' : 'connect', () => {
      socket.end(Buffer.concat(frames));
    });
    socket.once('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve();
    });
    // The receiver never answers; whatever it sends is read and dropped so the socket can close.
    socket.resume();
  });
}

export function createSinkTransport(options: TransportOptions) {
  const { timeoutMs, hostname } = options;
  return {
    /** Sends one batch; resolves once the receiver took it, throws SinkDeliveryError (or a network error) otherwise. */
    async send(sink: SinkConfig, entries: SinkEntry[], now: Date): Promise<void> {
      if (entries.length === 0) return;
      switch (sink.type) {
        case 'webhook': {
          const body = webhookBody(sink.id, entries, now);
          await post(
            sink.url,
            body,
            { 'content-type': 'application/json', ...signatureHeaders(sink.secret ?? '', body, now) },
            timeoutMs,
          );
          return;
        }
        case 'splunk-hec':
          await post(
            sink.url,
            splunkHecBody(entries, hostname),
            { 'content-type': 'application/json', authorization: `Splunk ${sink.secret ?? ''}` },
            timeoutMs,
          );
          return;
        case 'elasticsearch': {
          const answer = await post(
            sink.url,
            bulkBody(entries),
            {
              'content-type': 'application/x-ndjson',
              ...(sink.secret && { authorization: `ApiKey ${sink.secret}` }),
            },
            timeoutMs,
          );
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(answer);
          } catch {
            throw new SinkDeliveryError('the receiver answered with something other than a bulk response');
          }
          const failures = bulkFailures(parsed);
          if (failures > 0)
            throw new SinkDeliveryError(`the receiver refused ${failures} of ${entries.length} entries`);
          return;
        }
        case 'otlp':
          await post(
            sink.url,
            otlpBody(entries, hostname, now),
            {
              'content-type': 'application/json',
              ...(sink.secret && { authorization: `Bearer ${sink.secret}` }),
            },
            timeoutMs,
          );
          return;
        case 'syslog': {
          const frames = entries.map((entry) =>
            octetCounted(
              sink.format === 'cef'
                ? formatCef(entry, hostname, options.version)
                : formatRfc5424(entry, hostname),
            ),
          );
          await sendFrames(sink, frames, options);
          return;
        }
      }
    },
  };
}

export type SinkTransport = ReturnType<typeof createSinkTransport>;
