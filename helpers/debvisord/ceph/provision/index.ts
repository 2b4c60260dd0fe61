// The Ceph provisioning library: what CephManager.Bootstrap and
// CephManager.AddOsd run, and what ApplyProfile's ceph steps run.
//
// bootstrapCluster and createOsd both check the devices first (InvalidArgument,
// nothing made), refuse a second provisioning at the same time (Busy), report each step when it ends
// (result "ok" made, "kept" there already; the caller audits it and sets the
// Job's progress from StepReport.fraction), and stop between steps when the
// signal is aborted (Cancelled; the next call continues). Calling again after
// a failure completes what is missing; calling again after success changes
// nothing. The D-Bus options map to BootstrapOptions as "rbd-pool" → rbdPool,
// "cephfs" → cephfs, "mount" → mount, "public-network" → publicNetwork.
export { bootstrapCluster, createOsd, normalizeOptions, prepareCluster } from "./bootstrap.js";
export type { ProgressCallback } from "./bootstrap.js";
export { CEPH_CONF } from "./config.js";
export { checkOsdDevices } from "./devices.js";
export { observeCluster } from "./state.js";
