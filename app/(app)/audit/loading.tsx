// Inside this segment's layout, so access checks in the layout answer before streaming starts (403, not 200).
export { AuditSkeleton as default } from "~/components/audit/audit-skeleton";
