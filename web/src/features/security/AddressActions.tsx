import { useState } from 'react';
import { security } from '../../api/endpoints.js';
import { FormError } from '../../components/FormError.js';

/**
 * One click each: allowlist the address (no rule, limit or ban applies to it any more), or lift the
 * stored rule or ban that blocked it. Built-in rules (attack patterns, scanners) cannot be lifted.
 */
export function AddressActions({ address, ruleId }: { address: string; ruleId?: string | null }) {
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run(action: () => Promise<unknown>, message: string) {
    setError(null);
    try {
      await action();
      setDone(message);
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <div className="toolbar">
      <button
        type="button"
        onClick={() =>
          void run(
            () => security.allow(address, 'Allowlisted from Blocked Requests'),
            `${address} is allowlisted.`,
          )
        }
      >
        Allowlist {address}
      </button>
      {ruleId?.startsWith('rule_') && (
        <button
          type="button"
          onClick={() => void run(() => security.deleteRule(ruleId), `Rule ${ruleId} is lifted.`)}
        >
          Lift this ban
        </button>
      )}
      {done && (
        <span className="success" role="status">
          {done}
        </span>
      )}
      <FormError error={error} />
    </div>
  );
}
