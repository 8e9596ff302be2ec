import type { CoreDeps } from '../shared/deps.js';

export function createLicensingServices(_deps: CoreDeps) {
  return {};
}

export type LicensingServices = ReturnType<typeof createLicensingServices>;
