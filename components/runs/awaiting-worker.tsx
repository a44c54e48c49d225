/** Shown for an approved request before a worker has picked it up; the page follows by push (components/live) as soon as one does. */
export function AwaitingWorker() {
  return (
    <p role="status" className="text-sm text-slate-600">
      Approved: waiting for a worker to start provisioning…
    </p>
  );
}
