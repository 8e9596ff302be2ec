import { useEffect } from 'react';
import { useBlocker } from 'react-router-dom';

/**
 * Keeps unsaved edits from being lost by accident: the browser asks before a reload or closing the
 * tab, and the portal asks before moving to another of its pages.
 */
export function UnsavedChangesGuard({ dirty }: { dirty: boolean }) {
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);

  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname,
  );
  if (blocker.state !== 'blocked') return null;
  return (
    <div className="card unsaved" role="alertdialog" aria-labelledby="leave-title" aria-modal="true">
      <p id="leave-title">
        <strong>You have unsaved changes.</strong> Leave this page and lose them?
      </p>
      <div className="toolbar">
        <button type="button" className="primary" autoFocus onClick={() => blocker.reset()}>
          Stay on this page
        </button>
        <button type="button" className="danger" onClick={() => blocker.proceed()}>
          Leave without saving
        </button>
      </div>
    </div>
  );
}
