import type { Metadata } from "next";
import { NotificationList } from "~/components/notifications/notification-list";
import { PageHeader } from "~/components/ui/page";
import { isReadOnly } from "~/server/auth/access";
import { requireViewer } from "~/server/auth/guards";

export const metadata: Metadata = { title: "Notifications" };

export default async function NotificationsPage() {
  const viewer = await requireViewer();
  return (
    <>
      <PageHeader
        title="Notifications"
        description="Approvals waiting for you, decisions on your requests, and run results. Only you see your notifications."
      />
      <NotificationList canMarkRead={!isReadOnly(viewer)} />
    </>
  );
}
