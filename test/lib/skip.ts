import QUnit from "qunit";

// Tests that cannot run on this host are reported as skipped, with the reason
// in the module's name, never as passed. The reason is decided when the
// module is defined (the harness is up by then), because QUnit cannot skip a
// test once it has started.
export function moduleUnless(name: string, skipReason: string | null | undefined,
    scope: (hooks: NestedHooks) => void): void {
    if (skipReason)
        QUnit.module.skip(`${name} (skipped: ${skipReason})`, scope);
    else
        QUnit.module(name, scope);
}

/** One test that this host cannot run, e.g. because it has a pool of the name the test makes. */
export function testUnless(name: string, skipReason: string | null | undefined,
    callback: (assert: Assert) => void | Promise<void>): void {
    if (skipReason)
        QUnit.skip(`${name} (skipped: ${skipReason})`, callback);
    else
        QUnit.test(name, callback);
}
