import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ObjectLockRetentionMode,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ArchiveObjectExistsError, type ArchiveStore } from './archive-store.js';

/**
 * Archives in S3-compatible object storage. `KM_ARCHIVE_S3_URL` is either `s3://bucket/prefix`
 * (credentials, region and endpoint from the standard AWS environment, read by the SDK) or
 * `http(s)://ACCESS_KEY:SECRET@host:port/bucket/prefix` for a server of one's own (path-style
 * addressing). When the bucket has Object Lock enabled with a default retention, each object is put
 * with that mode and period explicitly, so an archive cannot be overwritten or deleted before then.
 */

export interface S3Location {
  bucket: string;
  /** '' or ending in `/`. */
  prefix: string;
  /** The URL without credentials, for messages. */
  display: string;
  config: S3ClientConfig;
  /** Values that must never appear in a message. */
  secrets: string[];
}

function splitBucket(pathname: string): { bucket: string; prefix: string } {
  const parts = pathname.replace(/^\/+/, '').split('/');
  const bucket = decodeURIComponent(parts.shift() ?? '');
  const rest = parts.filter(Boolean).map(decodeURIComponent).join('/');
  return { bucket, prefix: rest ? `${rest}/` : '' };
}

export function parseS3Url(url: string): S3Location {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      'KM_ARCHIVE_S3_URL is not a URL: expected s3://bucket/prefix or http(s)://…/bucket/prefix',
    );
  }
  const common: S3ClientConfig = {
    // Checksums only where an operation requires them: S3-compatible servers differ in what else they accept.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (parsed.protocol === 's3:') {
    const bucket = decodeURIComponent(parsed.hostname);
    // The host is the bucket: the whole path is the prefix.
    const { prefix } = splitBucket(`/${bucket}${parsed.pathname}`);
    if (!bucket) throw new Error('KM_ARCHIVE_S3_URL names no bucket');
    return { bucket, prefix, display: `s3://${bucket}/${prefix}`, config: common, secrets: [] };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error('KM_ARCHIVE_S3_URL must start with s3://, http:// or https://');
  }
  const { bucket, prefix } = splitBucket(parsed.pathname);
  if (!bucket) throw new Error('KM_ARCHIVE_S3_URL names no bucket');
  const accessKeyId = decodeURIComponent(parsed.username);
  const secretAccessKey = decodeURIComponent(parsed.password);
  const endpoint = `${parsed.protocol}//${parsed.host}`;
  return {
    bucket,
    prefix,
    display: `${endpoint}/${bucket}/${prefix}`,
    config: {
      ...common,
      // A server of one's own rarely cares about the region; signatures still name one.
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      ...(accessKeyId && { credentials: { accessKeyId, secretAccessKey } }),
    },
    secrets: [accessKeyId, secretAccessKey, parsed.username, parsed.password].filter((s) => s.length > 0),
  };
}

/** The retention an object gets from the bucket's Object Lock default: mode and until when. */
export interface ObjectLockRetention {
  mode: ObjectLockRetentionMode;
  days: number;
}

export function retainUntil(retention: ObjectLockRetention, now: Date): Date {
  return new Date(now.getTime() + retention.days * 86_400_000);
}

// Servers without Object Lock answer its configuration request with one of these.
const NO_OBJECT_LOCK = new Set([
  'ObjectLockConfigurationNotFoundError',
  'NotImplemented',
  'MethodNotAllowed',
  'InvalidRequest',
]);

export function s3ArchiveStore(
  url: string,
  now: () => Date = () => new Date(),
): ArchiveStore & {
  objectLock(): Promise<ObjectLockRetention | null>;
  close(): void;
} {
  const location = parseS3Url(url);
  const client = new S3Client(location.config);
  const key = (name: string) => location.prefix + name;

  /** An SDK error as a message with no credential in it. */
  function failure(action: string, error: unknown): Error {
    const e = error as { name?: string; message?: string };
    let message = `${action} ${location.display}: ${e.name ?? 'error'}${e.message ? ` (${e.message})` : ''}`;
    for (const secret of location.secrets) message = message.split(secret).join('***');
    return new Error(message);
  }

  let lock: Promise<ObjectLockRetention | null> | undefined;
  function objectLock(): Promise<ObjectLockRetention | null> {
    lock ??= (async () => {
      try {
        const answer = await client.send(new GetObjectLockConfigurationCommand({ Bucket: location.bucket }));
        const configuration = answer.ObjectLockConfiguration;
        const retention = configuration?.Rule?.DefaultRetention;
        if (configuration?.ObjectLockEnabled !== 'Enabled' || !retention?.Mode) return null;
        const days = retention.Days ?? (retention.Years ?? 0) * 365;
        return days > 0 ? { mode: retention.Mode, days } : null;
      } catch (error) {
        if (NO_OBJECT_LOCK.has((error as { name?: string }).name ?? '')) return null;
        lock = undefined;
        throw failure('reading the Object Lock configuration of', error);
      }
    })();
    return lock;
  }

  return {
    location: location.display,
    objectLock,
    async put(name, body) {
      const retention = await objectLock();
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: location.bucket,
            Key: key(name),
            Body: body,
            ContentType: name.endsWith('.json') ? 'application/json' : 'application/gzip',
            // Object Lock puts require an integrity header.
            ContentMD5: createHash('md5').update(body).digest('base64'),
            // Never replace an object (ArchiveStore.put): a conditional write where the service has them.
            IfNoneMatch: '*',
            ...(retention && {
              ObjectLockMode: retention.mode,
              ObjectLockRetainUntilDate: retainUntil(retention, now()),
            }),
          }),
        );
      } catch (error) {
        if ((error as { name?: string }).name === 'PreconditionFailed')
          throw new ArchiveObjectExistsError(name, location.display);
        throw failure(`writing ${name} to`, error);
      }
    },
    async get(name) {
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: key(name) }));
        return Buffer.from(await answer.Body!.transformToByteArray());
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return null;
        throw failure(`reading ${name} from`, error);
      }
    },
    async list(prefix) {
      const names: string[] = [];
      let token: string | undefined;
      try {
        do {
          const answer = await client.send(
            new ListObjectsV2Command({
              Bucket: location.bucket,
              Prefix: key(prefix),
              ContinuationToken: token,
            }),
          );
          for (const object of answer.Contents ?? []) {
            if (object.Key) names.push(object.Key.slice(location.prefix.length));
          }
          token = answer.IsTruncated ? answer.NextContinuationToken : undefined;
        } while (token);
      } catch (error) {
        throw failure('listing', error);
      }
      return names;
    },
    close: () => client.destroy(),
  };
}
