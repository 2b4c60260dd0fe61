// DebVisor → Storage: one tab per storage backend. ZFS is the first: its
// pools with their devices and scrubs, the datasets with their snapshots,
// and the snapshot schedule. Ceph: the local cluster, its OSDs, pools, RBD
// images and CephFS.
import { useState } from "react";
import { Tab, Tabs, TabTitleText } from "@patternfly/react-core/dist/esm/components/Tabs/index.js";
import { PageFrame } from "../lib/components/PageFrame";
import { ServiceEmptyState } from "../lib/components/ServiceEmptyState";
import { useServiceState } from "../lib/dbus-store";
import { _ } from "../lib/gettext";
import { CephTab } from "./ceph/CephTab";
import { ProfileTab } from "./ProfileTab";
import { ZfsTab } from "./zfs/ZfsTab";

export function StoragePage() {
    const service = useServiceState();
    const [tab, setTab] = useState<string | number>("zfs");
    return (
        <PageFrame title={_("Storage")}>
            {service.status !== "ready"
                ? <ServiceEmptyState state={service} />
                : (
                    <Tabs activeKey={tab} onSelect={(_e, key) => setTab(key)} aria-label={_("Storage backends")}>
                        <Tab eventKey="zfs" title={<TabTitleText>{_("ZFS")}</TabTitleText>}>
                            <ZfsTab />
                        </Tab>
                        <Tab eventKey="ceph" title={<TabTitleText>{_("Ceph")}</TabTitleText>}>
                            <CephTab />
                        </Tab>
                        <Tab eventKey="profile" title={<TabTitleText>{_("Profile")}</TabTitleText>}>
                            <ProfileTab />
                        </Tab>
                    </Tabs>
                )}
        </PageFrame>
    );
}
