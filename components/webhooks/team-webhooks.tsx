"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { ConfirmDialog } from "~/components/curation/confirm-dialog";
import { formatDateTime } from "~/components/format/time";
import { useTRPC } from "~/components/trpc/client";
import { Button } from "~/components/ui/button";
import { Badge, Card, EmptyState, ErrorNotice, Skeleton } from "~/components/ui/page";
import type { AppRouter } from "~/server/api/root";
import { eventTypeLabel, type WebhookEventType } from "~/server/schemas/webhooks";
import { DeliveryLog } from "./delivery-log";
import { SecretReveal } from "./secret-reveal";
import { WebhookForm } from "./webhook-form";

type Webhook = inferRouterOutputs<AppRouter>["webhooks"]["list"][number];
type Revealed = { secret: string; url: string; rotated: boolean };

/** A team's webhooks: list, add, edit, pause, rotate, delete, and each one's delivery log. */
export function TeamWebhooks({ teamId, teamName, canManage }: { teamId: string; teamName: string; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const list = useQuery(trpc.webhooks.list.queryOptions({ teamId }));
  const invalidate = () => queryClient.invalidateQueries(trpc.webhooks.pathFilter());
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: async (result) => {
        setRevealed({ secret: result.secret, url: result.webhook.url, rotated: false });
        await invalidate();
      },
    }),
  );

  return (
    <div className="space-y-6">
      {revealed && <SecretReveal key={revealed.secret} {...revealed} onDone={() => setRevealed(null)} />}
      {list.isPending ? (
        <div role="status" aria-label="Loading webhooks" className="space-y-3">
          <Skeleton className="h-24 w-full" />
          <Skeleton className="h-24 w-full" />
        </div>
      ) : list.isError ? (
        <ErrorNotice title="Webhooks could not be loaded" message={list.error.message} />
      ) : list.data.length === 0 ? (
        <EmptyState title={`${teamName} has no webhooks yet`}>
          {canManage
            ? "Add one below to send this team's request events to chat, ticketing or your own automation."
            : "The team's approvers can add webhooks that send its request events to other systems."}
        </EmptyState>
      ) : (
        <ul aria-label="Webhooks" className="space-y-6">
          {list.data.map((webhook) => (
            <li key={webhook.id}>
              <WebhookCard
                teamId={teamId}
                webhook={webhook}
                canManage={canManage}
                onSecret={(secret) => setRevealed({ secret, url: webhook.url, rotated: true })}
              />
            </li>
          ))}
        </ul>
      )}
      {canManage && (
        <Card title="Add a webhook">
          <WebhookForm
            label="Add a webhook"
            submitLabel="Add webhook"
            errorTitle="The webhook was not added"
            busy={create.isPending}
            resetOnSuccess
            onSubmit={(values) => create.mutateAsync({ teamId, ...values })}
          />
        </Card>
      )}
      <SignatureHelp />
    </div>
  );
}

function WebhookCard({
  teamId,
  webhook,
  canManage,
  onSecret,
}: {
  teamId: string;
  webhook: Webhook;
  canManage: boolean;
  onSecret: (secret: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState<"rotate" | "delete" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const invalidate = () => queryClient.invalidateQueries(trpc.webhooks.pathFilter());
  const onError = (e: { message: string }) => setError(e.message);
  const update = useMutation(trpc.webhooks.update.mutationOptions({ onSuccess: invalidate }));
  const toggle = useMutation(
    trpc.webhooks.update.mutationOptions({
      onSuccess: () => {
        setError(null);
        return invalidate();
      },
      onError,
    }),
  );
  const rotate = useMutation(
    trpc.webhooks.rotateSecret.mutationOptions({
      onSuccess: async (result) => {
        setConfirm(null);
        onSecret(result.secret);
        await invalidate();
      },
    }),
  );
  const remove = useMutation(trpc.webhooks.delete.mutationOptions({ onSuccess: invalidate }));
  const ref = { teamId, webhookId: webhook.id };

  return (
    <Card
      title={webhook.url}
      actions={
        <span className="flex items-center gap-2">
          <Badge tone={webhook.active ? "green" : "slate"}>{webhook.active ? "Active" : "Paused"}</Badge>
        </span>
      }
    >
      <div className="space-y-5">
        {editing ? (
          <WebhookForm
            label={`Edit webhook ${webhook.url}`}
            submitLabel="Save changes"
            errorTitle="The webhook was not changed"
            busy={update.isPending}
            defaultValues={{ url: webhook.url, events: webhook.events as WebhookEventType[] }}
            onSubmit={async (values) => {
              await update.mutateAsync({ ...ref, ...values, expectedVersion: webhook.version });
              setEditing(false);
            }}
            onCancel={() => setEditing(false)}
          />
        ) : (
          <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[10rem_minmax(0,1fr)]">
            <dt className="font-medium text-slate-600">Events</dt>
            <dd className="flex flex-wrap gap-1.5">
              {webhook.events.map((e) => (
                <Badge key={e} tone="brand">
                  {eventTypeLabel(e)}
                </Badge>
              ))}
            </dd>
            <dt className="font-medium text-slate-600">Signing secret</dt>
            <dd>
              {webhook.secretReadable ? (
                <span className="font-mono text-slate-700">
                  <span aria-hidden>••••••••</span>
                  <span className="sr-only">ends in </span>
                  {webhook.secretHint?.replace("…", "")}
                </span>
              ) : (
                <span className="text-red-700">Cannot be decrypted on this server (was NEXTAUTH_SECRET changed?): rotate it.</span>
              )}
            </dd>
            <dt className="font-medium text-slate-600">Added</dt>
            <dd className="text-slate-700">
              {formatDateTime(webhook.createdAt)}
              {webhook.createdBy ? ` by ${webhook.createdBy}` : ""}
            </dd>
          </dl>
        )}
        {canManage && !editing && (
          <div className="flex flex-wrap gap-2 border-t border-slate-100 pt-4">
            <Button variant="secondary" onClick={() => setEditing(true)} aria-label={`Edit webhook ${webhook.url}`}>
              Edit
            </Button>
            <Button
              variant="secondary"
              busy={toggle.isPending}
              onClick={() => toggle.mutate({ ...ref, active: !webhook.active, expectedVersion: webhook.version })}
              aria-label={`${webhook.active ? "Pause" : "Resume"} webhook ${webhook.url}`}
            >
              {webhook.active ? "Pause" : "Resume"}
            </Button>
            <Button variant="secondary" onClick={() => setConfirm("rotate")} aria-label={`Rotate the secret of ${webhook.url}`}>
              Rotate secret
            </Button>
            <Button variant="secondary" onClick={() => setConfirm("delete")} aria-label={`Delete webhook ${webhook.url}`}>
              Delete
            </Button>
          </div>
        )}
        {error && <ErrorNotice title="The webhook was not changed" message={error} />}
        <DeliveryLog teamId={teamId} webhookId={webhook.id} url={webhook.url} canManage={canManage} active={webhook.active} />
      </div>
      <ConfirmDialog
        open={confirm === "rotate"}
        title="Rotate the signing secret?"
        confirmLabel="Rotate secret"
        busy={rotate.isPending}
        error={rotate.error?.message ?? null}
        errorTitle="The secret was not rotated"
        onConfirm={() => rotate.mutate(ref)}
        onCancel={() => {
          rotate.reset();
          setConfirm(null);
        }}
      >
        <p>
          A new secret signs every delivery from now on, including retries. Deliveries signed with the old one stop verifying at once: update the
          receiver right after.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirm === "delete"}
        title="Delete this webhook?"
        confirmLabel="Delete webhook"
        variant="danger"
        busy={remove.isPending}
        error={remove.error?.message ?? null}
        errorTitle="The webhook was not deleted"
        onConfirm={() => remove.mutate(ref)}
        onCancel={() => {
          remove.reset();
          setConfirm(null);
        }}
      >
        <p>
          <span className="font-mono break-all">{webhook.url}</span> gets no more events, and its delivery log is removed. To stop deliveries for a
          while, pause it instead.
        </p>
      </ConfirmDialog>
    </Card>
  );
}

function SignatureHelp() {
  return (
    <details className="rounded-lg border border-slate-200 bg-white p-5 text-sm shadow-sm">
      <summary className="cursor-pointer font-semibold text-slate-800">How receivers check a delivery</summary>
      <div className="mt-3 space-y-3 text-slate-700">
        <p>
          Each delivery is an HTTP POST of one CloudEvent 1.0 in JSON (<code>content-type: application/cloudevents+json</code>), with the headers{" "}
          <code>ce-id</code>, <code>ce-type</code>, <code>x-provisio-timestamp</code> (Unix seconds) and <code>x-provisio-signature</code>.
        </p>
        <ol className="list-decimal space-y-1 pl-5">
          <li>
            Compute HMAC-SHA256 with the signing secret over <code>{"<timestamp>.<raw body>"}</code>, as hex, and compare it in constant time with the
            signature after <code>sha256=</code>.
          </li>
          <li>Refuse timestamps more than 5 minutes old, so a recorded delivery cannot be replayed.</li>
          <li>
            Answer 2xx within 10 seconds. Other answers are retried with growing waits (8 attempts over about half an hour); 4xx answers other than
            408 and 429 are not retried. The same event can arrive twice: skip <code>ce-id</code>s you have already handled.
          </li>
        </ol>
        <pre className="overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100">
          {`// Node.js
const expected = "sha256=" + crypto.createHmac("sha256", secret)
  .update(\`\${req.headers["x-provisio-timestamp"]}.\${rawBody}\`).digest("hex");
const given = Buffer.from(req.headers["x-provisio-signature"] ?? "");
const ok = given.length === expected.length && crypto.timingSafeEqual(Buffer.from(expected), given)
  && Math.abs(Date.now() / 1000 - Number(req.headers["x-provisio-timestamp"])) < 300;`}
        </pre>
      </div>
    </details>
  );
}
