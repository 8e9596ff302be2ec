import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ActivityContext, ActivityNote, ActivityService, AuditedAction } from './activity.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    activityContext: ActivityContext | null;
  }
}

const MAX_USER_AGENT = 500;
const MAX_ACTOR = 320;

/** The email a login tried, as the actor of its entry; the password is never looked at. */
function attemptedEmail(request: FastifyRequest): string {
  const body = request.body as { email?: unknown } | undefined;
  return typeof body?.email === 'string' ? body.email.trim().toLowerCase().slice(0, MAX_ACTOR) : 'unknown';
}

/** Who acts in this request and from where; built once per request. */
export function activityContext(request: FastifyRequest): ActivityContext {
  if (request.activityContext) return request.activityContext;
  const principal = request.principal;
  const common = {
    ip: request.ip,
    user_agent: request.headers['user-agent']?.slice(0, MAX_USER_AGENT) ?? null,
  };
  const actor =
    principal?.kind === 'api_key'
      ? {
          admin_user: principal.name,
          actor_type: 'api_key' as const,
          actor_id: principal.apiKeyId,
          channel: 'api' as const,
          session_id: null,
        }
      : {
          admin_user: principal ? principal.email : attemptedEmail(request),
          actor_type: 'admin' as const,
          actor_id: principal ? principal.adminId : null,
          channel: 'portal' as const,
          session_id: principal ? principal.sessionMasked : null,
        };
  request.activityContext = { actor: { ...actor, ...common }, recorded: false };
  return request.activityContext;
}

function specOf(request: FastifyRequest, extra: ActivityNote = {}) {
  const config = request.routeOptions.config.activity;
  if (!config) throw new Error(`route ${request.routeOptions.url ?? ''} declares no activity`);
  // A nested resource (an activation of a licence) is named by its own id.
  const params = request.params as { id?: unknown; activation_id?: unknown } | undefined;
  const id = params?.activation_id ?? params?.id;
  return {
    action_type: config.action,
    resource_type: config.resource_type,
    ...(config.failure_action && { failure_action: config.failure_action }),
    resource_id: typeof id === 'string' ? id : null,
    ...extra,
  };
}

/** Runs a route's action as the activity its config declares (see ActivityService.record). */
export function audit<T>(
  activity: ActivityService,
  request: FastifyRequest,
  action: AuditedAction<T>,
  extra?: ActivityNote,
): Promise<T> {
  return activity.record(activityContext(request), specOf(request, extra), action);
}

/**
 * Refusals count as activity: a route that declares an action but failed before reaching it
 * (insufficient role, invalid body, a check in the handler) gets a failure entry here. Requests
 * nobody authenticated are not admin activity (the failed-call log has them), except on public
 * routes such as login, whose actor is the email tried.
 */
export function registerActivityHooks(app: FastifyInstance, activity: ActivityService): void {
  app.decorateRequest('activityContext', null);
  app.addHook('onError', async (request, _reply, error) => {
    const config = request.routeOptions.config;
    if (!config.activity) return;
    if (!request.principal && config.access?.auth !== 'public') return;
    const context = activityContext(request);
    if (context.recorded) return;
    await activity.recordFailure(context, specOf(request), error);
  });
}
