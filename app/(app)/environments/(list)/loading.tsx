// Inside this segment's layout, so access checks in the layout answer before streaming starts (403, not 200).
export { PageLoading as default } from "~/components/shell/page-loading";
