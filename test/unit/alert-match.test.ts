// Which alerts a thing's page shows: an alert's labels against the page's
// matchers (exact values, one of several, a pattern), any matcher enough.
import QUnit from "qunit";
import { labelsMatch } from "../../pkg/lib/alert-match.js";
import { schedulesOf } from "../../pkg/lib/api/backups-data.js";

QUnit.module("alerts on a thing's page", () => {
    const crashed = { alertname: "MachineCrashed", uuid: "u1", name: "web01", state: "crashed", severity: "critical" };
    const degraded = { alertname: "ZfsPoolDegraded", pool: "tank", health: "DEGRADED", severity: "critical" };
    const dataset = { alertname: "ZfsDatasetNearlyFull", pool: "tank", dataset: "tank/vm", severity: "warning" };

    QUnit.test("every entry of a matcher must hold: an exact value, one of a list, or a pattern", assert => {
        assert.true(labelsMatch(crashed, [{ uuid: "u1" }]));
        assert.false(labelsMatch(crashed, [{ uuid: "u2" }]));
        assert.true(labelsMatch(degraded, [{ alertname: /^Zfs/, pool: "tank" }]));
        assert.true(labelsMatch(dataset, [{ alertname: /^Zfs/, pool: "tank" }]), "a dataset's alert is its pool's too");
        assert.false(labelsMatch(degraded, [{ alertname: /^Zfs/, pool: "tank2" }]));
        assert.true(labelsMatch(degraded, [{ alertname: ["CephOsdDown", "ZfsPoolDegraded"] }]));
        assert.false(labelsMatch(crashed, [{ alertname: /^Zfs/, pool: "tank" }]), "a label the alert lacks does not match");
    });

    QUnit.test("any matcher is enough; none, an empty one or an empty list match nothing", assert => {
        assert.true(labelsMatch(crashed, [{ uuid: "nope" }, { name: "web01" }]));
        assert.false(labelsMatch(crashed, []));
        assert.false(labelsMatch(crashed, [{}]), "an empty matcher is not 'everything'");
        assert.false(labelsMatch({ alertname: "BackupScheduleFailed", schedule: "nightly" }, [{ alertname: "BackupScheduleFailed", schedule: [] }]));
    });

    QUnit.test("a machine's backup alerts: the schedules that cover it by UUID or tag, whatever their last result", assert => {
        const s = (Name: string, Machine: string, Tag: string) => ({ props: { Name, Machine, Tag } });
        const all = [s("mine", "u1", ""), s("other", "u2", ""), s("tagged", "", "prod"), s("tag-elsewhere", "", "test")];
        const mine = schedulesOf(all, { UUID: "u1", Tags: ["prod"] }).map(x => x.props.Name);
        assert.deepEqual(mine, ["mine", "tagged"]);
        assert.true(labelsMatch({ alertname: "BackupScheduleFailed", schedule: "tagged" }, [{ alertname: "BackupScheduleFailed", schedule: mine }]));
        assert.false(labelsMatch({ alertname: "BackupScheduleFailed", schedule: "other" }, [{ alertname: "BackupScheduleFailed", schedule: mine }]));
    });
});
