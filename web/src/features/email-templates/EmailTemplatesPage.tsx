import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.js';
import { useAuth } from '../../auth/AuthContext.js';
import { FormError } from '../../components/FormError.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import {
  emailTemplates,
  type EmailTemplate,
  type RenderedEmail,
  type TemplateFields,
} from './email-templates-api.js';

const FIELDS: { name: keyof TemplateFields; label: string; rows: number }[] = [
  { name: 'subject', label: 'Subject', rows: 1 },
  { name: 'text_body', label: 'Text', rows: 8 },
  { name: 'html_body', label: 'HTML', rows: 8 },
];

export function EmailTemplatesPage() {
  const { can } = useAuth();
  const writable = can('settings:write');
  const list = useApi(() => emailTemplates.list(), 'email-templates');
  const [selected, setSelected] = useState<string | null>(null);

  return (
    <section>
      <h1>Email templates</h1>
      <p className="muted">
        The licence notifications and alert emails. Variables are written <code>{'{{name}}'}</code> and are
        always escaped.
      </p>
      {list.state === 'loading' && <Loading what="Loading email templates" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && <Empty>No email template.</Empty>}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <table aria-label="Email templates">
          <thead>
            <tr>
              <th scope="col">Template</th>
              <th scope="col">Description</th>
              <th scope="col">Version</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((template) => (
              <tr key={template.kind} className={selected === template.kind ? 'selected' : undefined}>
                <td>
                  <button type="button" className="link" onClick={() => setSelected(template.kind)}>
                    {template.kind}
                  </button>
                </td>
                <td>{template.description}</td>
                <td>{template.is_default ? 'default' : `v${template.version}`}</td>
                <td>
                  <Timestamp value={template.updated_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.state === 'ready' &&
        list.data.data
          .filter((t) => t.kind === selected)
          .map((template) => (
            <TemplateEditor
              key={`${template.kind}|${template.version}`}
              template={template}
              writable={writable}
              onSaved={list.reload}
            />
          ))}
    </section>
  );
}

function TemplateEditor({
  template,
  writable,
  onSaved,
}: {
  template: EmailTemplate;
  writable: boolean;
  onSaved: () => void;
}) {
  const [fields, setFields] = useState<TemplateFields>({
    subject: template.subject,
    text_body: template.text_body,
    html_body: template.html_body,
  });
  const [variables, setVariables] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<RenderedEmail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const versions = useApi(() => emailTemplates.versions(template.kind), `versions|${template.kind}`);
  const fieldErrors = error instanceof ApiError ? error.fieldErrors : [];
  const errorFor = (name: string) => fieldErrors.find((f) => f.field === name || f.field === `/${name}`);

  async function showPreview() {
    setError(null);
    try {
      const filled = Object.fromEntries(Object.entries(variables).filter(([, v]) => v !== ''));
      setPreview(await emailTemplates.preview(template.kind, { ...fields, variables: filled }));
    } catch (failure) {
      setError(failure);
    }
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(null);
    try {
      const answer = await emailTemplates.save(template.kind, fields);
      setSaved(`Template saved as version ${answer.version}.`);
      versions.reload();
      onSaved();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <div className="card" role="region" aria-label={`Template ${template.kind}`}>
      <h2>{template.kind}</h2>
      {saved && (
        <p className="success" role="status">
          {saved}
        </p>
      )}
      <form aria-label="Template editor" onSubmit={save}>
        {FIELDS.map(({ name, label, rows }) => {
          const problem = errorFor(name);
          return (
            <label key={name}>
              {label}
              <textarea
                rows={rows}
                cols={80}
                aria-label={label}
                readOnly={!writable}
                aria-invalid={problem ? true : undefined}
                value={fields[name]}
                onChange={(e) => setFields((f) => ({ ...f, [name]: e.target.value }))}
              />
              {problem && <span className="field-error">{problem.message}</span>}
            </label>
          );
        })}
        <fieldset>
          <legend>Preview values (empty: the example value)</legend>
          {template.variables.map((name) => (
            <label key={name}>
              {name}
              <input
                aria-label={name}
                value={variables[name] ?? ''}
                onChange={(e) => setVariables((v) => ({ ...v, [name]: e.target.value }))}
              />
            </label>
          ))}
        </fieldset>
        <FormError error={fieldErrors.length > 0 ? null : error} />
        <div className="toolbar">
          <button type="button" onClick={() => void showPreview()}>
            Preview
          </button>
          {writable && (
            <button type="submit" className="primary">
              Save template
            </button>
          )}
        </div>
      </form>
      {preview && (
        <div role="region" aria-label="Preview">
          <h3>Preview</h3>
          <p>
            Subject: <strong data-testid="preview-subject">{preview.subject}</strong>
          </p>
          <pre data-testid="preview-text">{preview.text}</pre>
          {/* The rendered HTML never joins the portal's page: a sandbox with no scripts shows it. */}
          <iframe title="HTML preview" sandbox="" srcDoc={preview.html} width="100%" height="300" />
        </div>
      )}
      <h3>Version history</h3>
      {versions.state === 'loading' && <Loading what="Loading versions" />}
      {versions.state === 'error' && <ErrorState error={versions.error} onRetry={versions.reload} />}
      {versions.state === 'ready' && versions.data.data.length === 0 && (
        <Empty>Never changed: the shipped default is in use.</Empty>
      )}
      {versions.state === 'ready' && versions.data.data.length > 0 && (
        <table aria-label="Versions">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Subject</th>
              <th scope="col">By</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.data.map((version) => (
              <tr key={version.id}>
                <td>v{version.version}</td>
                <td>{version.subject}</td>
                <td>{version.created_by ?? '—'}</td>
                <td>
                  <Timestamp value={version.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
