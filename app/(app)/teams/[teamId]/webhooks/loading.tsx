// Inside this segment's layout, so the access check answers before streaming starts (403, not 200).
export { PageLoading as default } from "~/components/shell/page-loading";
