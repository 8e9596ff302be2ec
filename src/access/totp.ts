import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 defaults, the ones every authenticator app reads from the otpauth URI. */
const PERIOD_SECONDS = 30;
/** One step either side: a phone clock 30 s off, or a code typed as it turned over, still works. */
const TOLERANCE_SECONDS = PERIOD_SECONDS;

export const newTotpSecret = (): string => generateSecret();

export function totpUri(secret: string, accountName: string, issuer: string): string {
  return generateURI({ issuer, label: accountName, secret });
}

/**
 * The time step the code belongs to when it is valid now (within the tolerance), else null. The step
 * is what makes a code single-use: the caller refuses any step not after the last one accepted.
 */
export async function matchTotp(secret: string, code: string, now: Date): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const epoch = Math.floor(now.getTime() / 1000);
  const result = await verify({ secret, token: code, epoch, epochTolerance: TOLERANCE_SECONDS });
  // otplib compares in constant time and reports how many steps from now the code matched.
  return result.valid ? Math.floor(epoch / PERIOD_SECONDS) + result.delta : null;
}
