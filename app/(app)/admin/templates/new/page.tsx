import type { Metadata } from "next";
import { NewTemplateEditor } from "~/components/curation/new-template-editor";
import { serverApi } from "~/server/api/caller";

export const metadata: Metadata = { title: "New template · Admin" };

export default async function NewTemplatePage() {
  const api = await serverApi();
  const { templates, draftOnly } = await api.templateAdmin.list();
  const existingNames = [...new Set([...templates.map((t) => t.name), ...draftOnly.map((d) => d.name)])];
  return <NewTemplateEditor existingNames={existingNames} />;
}
