import { useState } from 'react';

/** Recovery codes, shown once: readable, copyable, downloadable, and said plainly that they will not return. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const text = `KeyManager recovery codes (each works once)\n\n${codes.join('\n')}\n`;
  const download = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;

  async function copy() {
    await navigator.clipboard.writeText(codes.join('\n'));
    setCopied(true);
  }

  return (
    <div className="card" role="region" aria-labelledby="recovery-title">
      <h2 id="recovery-title">Recovery codes</h2>
      <p>
        Each code signs you in once if you lose your phone. Store them somewhere safe now:{' '}
        <strong>they will not be shown again.</strong>
      </p>
      <ul className="recovery-codes" aria-label="Recovery codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="toolbar">
        <button type="button" onClick={() => void copy()}>
          Copy codes
        </button>
        <a className="button" href={download} download="keymanager-recovery-codes.txt">
          Download codes
        </a>
        {copied && (
          <span className="success" role="status">
            Copied.
          </span>
        )}
        <button type="button" className="primary" onClick={onDone}>
          I have stored them
        </button>
      </div>
    </div>
  );
}
