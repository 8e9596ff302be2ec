export const SEVERITIES = ['info', 'warning', 'critical'] as const;

export const ALERT_STATES = ['firing', 'resolved'] as const;
