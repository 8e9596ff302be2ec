import { useState } from 'react';

/** A secret the server shows only once: readable, copyable, and said plainly that it will not return. */
export function SecretOnce({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    await navigator.clipboard.writeText(secret);
    setCopied(true);
  }
  return (
    <div className="card" role="region" aria-label={label}>
      <p>
        <strong>{label}</strong>: copy it now; it will not be shown again.
      </p>
      <p>
        <code data-testid="secret-once">{secret}</code>
      </p>
      <div className="toolbar">
        <button type="button" onClick={() => void copy()}>
          Copy secret
        </button>
        {copied && (
          <span className="success" role="status">
            Copied.
          </span>
        )}
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}

/** A destructive action asks once more, in the page (keyboard-reachable, no browser dialog). */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span role="group" aria-label={confirmLabel}>
      <button type="button" className="danger" onClick={onConfirm}>
        {confirmLabel}
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
