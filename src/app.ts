import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { accessRoutes } from './access/access.routes.js';
import { registerAuthentication } from './access/authenticate.js';
import { alertRoutes } from './alerts/alert.routes.js';
import { registerErrorHandling } from './http/error-handler.js';
import { healthRoutes } from './http/health.routes.js';
import { registerRequestMetrics } from './http/metrics.js';
import { registerOpenApi } from './http/openapi.js';
import { portalRoutes } from './portal/portal.routes.js';
import { validatorCompiler } from './http/validation.js';
import { licensingRoutes } from './licensing/licensing.routes.js';
import { apiCallHistoryRoutes } from './logging/api-call-history.routes.js';
import { registerActivityHooks } from './logging/activity.hooks.js';
import { privacyRoutes } from './logging/privacy/privacy.routes.js';
import { loggingSettingsRoutes } from './logging/logging-settings.routes.js';
import { analyticsRoutes } from './logging/analytics/analytics.routes.js';
import { integrityRoutes } from './logging/integrity/integrity.routes.js';
import { logRoutes } from './logging/log.routes.js';
import { sinkRoutes } from './logging/sinks/sink.routes.js';
import { registerRequestLogging } from './logging/request-logging.js';
import { registerSecurityLayer } from './security/security-layer.js';
import { securityRoutes } from './security/security.routes.js';
import { trustProxyOption } from './security/trust-proxy.js';
import { emailTemplateRoutes } from './notifications/email-template.routes.js';
import { webhookRoutes } from './webhooks/webhook.routes.js';
import type { Services } from './services.js';

export interface AppOptions {
  /** Off only to measure what the layer costs (`npm run bench`); a server always runs it. */
  securityLayer?: boolean;
}

/** Registers everything in request order; never listens, so tests use app.inject(). */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = services.core;
  const app = Fastify({
    loggerInstance: services.core.logger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustProxyOption(config.trustProxy),
    // Requests are recorded by the API-call logs, masked; pino's per-request lines would carry raw URLs.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // The API speaks JSON (and CSV where a route adds it): Fastify's built-in text/plain parser would turn
  // a wrong content type into a confusing 422 instead of the contract's malformed request.
  app.removeContentTypeParser('text/plain');
  registerErrorHandling(app);
  await app.register(cookie);
  await registerOpenApi(app);
  registerRequestMetrics(app, services.metrics);
  registerRequestLogging(app, services.requestLogs.recorder);
  // Before authentication: its body check must be the first preValidation hook.
  if (options.securityLayer !== false) registerSecurityLayer(app, services.security.layer);
  registerAuthentication(app, {
    apiKeys: services.apiKeys,
    sessions: services.sessions,
    mfa: {
      requiredForEveryAdmin: () => services.accessSettings.get().require_mfa_for_admins,
      requiredForLogs: () => services.loggingSettings.current().require_mfa_for_log_access,
    },
  });
  registerActivityHooks(app, services.activity);

  await app.register(
    healthRoutes({
      database: services.core.database,
      metrics: services.metrics,
      logWriter: services.requestLogs.pipeline,
      sharedState: services.security,
    }),
  );
  await app.register(accessRoutes(services), { prefix: '/api/v1' });
  await app.register(licensingRoutes(services), { prefix: '/api/v1' });
  await app.register(loggingSettingsRoutes(services), { prefix: '/api/v1' });
  await app.register(privacyRoutes(services.activity), { prefix: '/api/v1' });
  await app.register(securityRoutes(services), { prefix: '/api/v1' });
  await app.register(sinkRoutes(services.logSinks.service, services.activity), { prefix: '/api/v1' });
  await app.register(logRoutes(services.requestLogs.query, services.activity), { prefix: '/api/v1' });
  await app.register(analyticsRoutes(services.analytics.service, services.activity), { prefix: '/api/v1' });
  if (services.integrity) {
    await app.register(integrityRoutes(services.integrity, services.activity), { prefix: '/api/v1' });
  }
  await app.register(alertRoutes(services.alerts, services.activity), { prefix: '/api/v1' });
  await app.register(apiCallHistoryRoutes(services.requestLogs.query, services.activity), {
    prefix: '/api/v1',
  });
  await app.register(webhookRoutes(services.webhooks.service, services.activity), { prefix: '/api/v1' });
  await app.register(
    emailTemplateRoutes(services.notifications.templates, services.activity, services.notifications.emails),
    {
      prefix: '/api/v1',
    },
  );
  await app.register(portalRoutes());
  await app.ready();
  return app;
}
