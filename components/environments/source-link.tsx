/**
 * The pull request an ephemeral environment belongs to, linked back (the URL the pipeline sent,
 * else GitHub's address for the repository and number), with the commit it was last asked for.
 */
export function SourceLink({ source }: { source: { repository: string; pullRequest: number; commit: string | null; url: string | null } }) {
  const href = source.url ?? `https://github.com/${source.repository}/pull/${source.pullRequest}`;
  return (
    <p className="mt-1 text-sm text-slate-600">
      Ephemeral environment of{" "}
      <a href={href} className="font-medium text-brand-700 hover:underline" rel="noreferrer noopener" target="_blank">
        {source.repository}#{source.pullRequest}
        <span className="sr-only"> (opens in a new tab)</span>
      </a>
      {source.commit && (
        <>
          {" "}
          at commit <code className="rounded bg-slate-100 px-1 font-mono text-xs">{source.commit.slice(0, 12)}</code>
        </>
      )}
    </p>
  );
}
