import ipaddr from 'ipaddr.js';

/**
 * Checks of a filter's text, the same rules the API applies, so a typo is shown at its field rather
 * than sent and answered with a 422 for the whole page. Each gives the message, or null when valid.
 */
export type Validate = (value: string) => string | null;

export const pattern =
  (re: RegExp, message: string): Validate =>
  (value) =>
    re.test(value) ? null : message;

export const integerBetween =
  (min: number, max: number): Validate =>
  (value) =>
    /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max
      ? null
      : `A whole number from ${min} to ${max}.`;

export const lengthBetween =
  (min: number, max: number, what: string): Validate =>
  (value) =>
    value.length >= min && value.length <= max ? null : `${what} has ${min} to ${max} characters.`;

/** An address or a CIDR range, IPv4 or IPv6. */
export const ipOrRange: Validate = (value) =>
  ipaddr.isValid(value) || isCidr(value) ? null : 'An address (203.0.113.7) or a range (203.0.113.0/24).';

function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

export const HTTP_STATUS = pattern(/^[1-5]([0-9][0-9]|xx)$/, 'A status such as 404, or a class such as 4xx.');
export const ERROR_CODE = pattern(/^ERR_[A-Z0-9_]{1,60}$/, 'An error code such as ERR_LICENSE_EXPIRED.');
export const COUNTRY = pattern(/^[A-Za-z]{2}$/, 'A two-letter country code such as KP.');
export const ROUTE = pattern(/^\//, 'A route pattern starting with /, such as /api/v1/licenses/activate.');
