/** One group a rule's condition currently holds for (the address, the endpoint, or '' for the whole rule). */
export interface Breach {
  group: string;
  value: number;
  threshold: number;
  summary: string;
  details: Record<string, unknown>;
}

export interface OpenAlert {
  id: string;
  group: string;
}

export interface DecisionInput {
  /** The groups over the threshold now; a group the rule could not measure is not here. */
  breaches: readonly Breach[];
  /** This rule's alerts still firing. */
  open: readonly OpenAlert[];
  /** When each group last started firing (for the cool-down), resolved alerts included. */
  lastStarted: ReadonlyMap<string, string>;
  cooldownMinutes: number;
  now: Date;
}

export type AlertDecision = {
  /** New alerts to open, each notified. */
  fire: Breach[];
  /** Open alerts that still hold: their value is refreshed, nobody is notified again. */
  ongoing: { alert: OpenAlert; breach: Breach }[];
  /** Open alerts whose condition cleared: resolved and notified. */
  resolve: OpenAlert[];
  /** Breaches inside their group's cool-down: nothing opens, nobody is notified. */
  coolingDown: { breach: Breach; until: string }[];
};

/**
 * What one evaluation of one rule does, decided without storage or time of its own: an alert per
 * breaching group, none while the group is already firing or was started within the cool-down, and
 * resolution of every firing alert whose group no longer breaches.
 */
export function decideAlerts(input: DecisionInput): AlertDecision {
  const decision: AlertDecision = { fire: [], ongoing: [], resolve: [], coolingDown: [] };
  const openByGroup = new Map(input.open.map((alert) => [alert.group, alert]));
  const breaching = new Set<string>();
  const cooldownMs = input.cooldownMinutes * 60_000;
  for (const breach of input.breaches) {
    if (breaching.has(breach.group)) continue;
    breaching.add(breach.group);
    const open = openByGroup.get(breach.group);
    if (open) {
      decision.ongoing.push({ alert: open, breach });
      continue;
    }
    const last = input.lastStarted.get(breach.group);
    const until = last === undefined ? null : Date.parse(last) + cooldownMs;
    if (until !== null && until > input.now.getTime()) {
      decision.coolingDown.push({ breach, until: new Date(until).toISOString() });
      continue;
    }
    decision.fire.push(breach);
  }
  for (const alert of input.open) if (!breaching.has(alert.group)) decision.resolve.push(alert);
  return decision;
}

/** The threshold test every kind shares: reached, and over enough volume to mean something. */
export function breaches(value: number, threshold: number, volume = Infinity, minVolume = 0): boolean {
  return volume >= minVolume && value >= threshold;
}
