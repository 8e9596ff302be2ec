import { useState, type FormEvent } from 'react';
import { catalogue } from '../../api/endpoints.js';
import type { License } from '../../api/types.js';
import { useAuth } from '../../auth/AuthContext.js';
import { DetailList } from '../../components/DetailList.js';
import { FormError } from '../../components/FormError.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { LicenseEditForm } from './LicenseEditForm.js';

export function LicenseDetail({ license, onChanged }: { license: License; onChanged: () => void }) {
  const { can } = useAuth();
  const [editing, setEditing] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const activations = useApi(() => catalogue.activations(license.id), `activations|${license.id}`);
  const action = license.status === 'suspended' ? 'unsuspend' : 'suspend';

  async function changeStatus(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const next = await catalogue.changeStatus(license.id, action, reason.trim());
      setDone(`Licence ${next.status === 'suspended' ? 'suspended' : 'reinstated'}.`);
      setReason('');
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  }

  async function deactivate(activationId: string) {
    setError(null);
    try {
      await catalogue.deactivate(license.id, activationId);
      activations.reload();
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <aside className="card detail" aria-label="Licence details">
      <h2>
        <code>{license.key}</code>
      </h2>
      <DetailList
        items={[
          ['Id', <code>{license.id}</code>],
          ['Status', <span className={`badge ${license.status}`}>{license.status}</span>],
          ['Reason', license.status_reason],
          ['Customer', license.customer_id],
          ['Activations', `${license.activations_used} / ${license.max_activations ?? 'unlimited'}`],
          ['Expires', license.expires_at ? <Timestamp value={license.expires_at} /> : 'Never'],
          ['Features', license.features.join(', ')],
          [
            'Metadata',
            Object.keys(license.metadata).length > 0 ? <code>{JSON.stringify(license.metadata)}</code> : null,
          ],
          ['Created', <Timestamp value={license.created_at} />],
        ]}
      />
      {can('licenses:write') &&
        (editing ? (
          <LicenseEditForm
            license={license}
            onCancel={() => setEditing(false)}
            onSaved={() => {
              setEditing(false);
              setDone('Licence saved.');
              onChanged();
            }}
          />
        ) : (
          <button type="button" onClick={() => setEditing(true)}>
            Edit licence
          </button>
        ))}
      {can('licenses:write') && (license.status === 'active' || license.status === 'suspended') && (
        <form onSubmit={changeStatus} className="filters" aria-label={`${action} licence`}>
          <label>
            Reason
            <input required value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit" className={action === 'suspend' ? 'danger' : 'primary'}>
            {action === 'suspend' ? 'Suspend licence' : 'Unsuspend licence'}
          </button>
        </form>
      )}
      {done && (
        <p className="success" role="status">
          {done}
        </p>
      )}
      <FormError error={error} />
      <h3>Activations</h3>
      {activations.state === 'loading' && <Loading what="Loading activations" />}
      {activations.state === 'error' && <ErrorState error={activations.error} onRetry={activations.reload} />}
      {activations.state === 'ready' && activations.data.data.length === 0 && (
        <Empty>No machine is activated.</Empty>
      )}
      {activations.state === 'ready' && activations.data.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Machine</th>
              <th scope="col">Last seen</th>
              <th scope="col">
                <span className="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {activations.data.data.map((a) => (
              <tr key={a.id}>
                <td>
                  {a.hostname ?? a.name ?? a.fingerprint}
                  <div className="muted">{a.platform}</div>
                </td>
                <td>
                  <Timestamp value={a.last_seen_at} />
                </td>
                <td>
                  {can('activations:write') && (
                    <button type="button" onClick={() => void deactivate(a.id)}>
                      Deactivate
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </aside>
  );
}
