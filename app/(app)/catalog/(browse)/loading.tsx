// Only the catalog list: a template page ([name]) has no loading boundary above it, so its 404 is a real 404.
export { CatalogSkeleton as default } from "~/components/catalog/catalog-skeleton";
