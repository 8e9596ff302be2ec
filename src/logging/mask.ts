/**
 * The one place secrets are masked. Every log entry, export and error passes through here; the
 * formats are the contract's (`km_live_abc...xyz`, `XXXX-XXXX-XXXX-7K2M`, `sess_a4f8d2c1...`).
 */
const API_KEY = /^(km_(?:live|test)_)([0-9A-Za-z]{32})$/;

export function maskApiKey(secret: string): string {
  const match = API_KEY.exec(secret);
  if (!match) return maskUnknownSecret(secret);
  const [, prefix = '', random = ''] = match;
  return `${prefix}${random.slice(0, 3)}...${random.slice(-3)}`;
}

/** Everything but the last 4 characters becomes `X`; separators stay so the shape is recognisable. */
export function maskLicenseKey(key: string): string {
  const keep = key.length > 4 ? 4 : 0;
  const head = key.slice(0, key.length - keep).replace(/[^-\s]/g, 'X');
  return head + key.slice(key.length - keep);
}

export function maskSessionToken(token: string): string {
  return token.startsWith('sess_') ? `${token.slice(0, 13)}...` : maskUnknownSecret(token);
}

export function maskUnknownSecret(_value: string): string {
  return '[REDACTED]';
}
