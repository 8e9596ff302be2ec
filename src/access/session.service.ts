import { AppError } from '../http/errors.js';
import type { CoreDeps } from '../shared/deps.js';
import type { SessionAuthenticator } from './authenticate.js';

// Placeholder until portal sessions land: every cookie is refused.
export function createSessionService(_deps: CoreDeps): SessionAuthenticator {
  return {
    async authenticate() {
      throw new AppError('ERR_UNAUTHENTICATED');
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
