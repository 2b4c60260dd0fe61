// The errors of the DebVisor D-Bus API. Each maps to
// org.debvisor.DebVisor1.Error.<name>; the message is for the person who
// called, so it names the argument or the thing that failed.

type ErrorName =
    "NotAuthorized" | "InvalidArgument" | "NotFound" | "Busy" | "Failed" | "Cancelled" | "NotSupported";

const ERROR_PREFIX = "org.debvisor.DebVisor1.Error.";

export class DebVisorError extends Error {
    readonly errorName: ErrorName;

    constructor(errorName: ErrorName, message: string) {
        super(message);
        this.errorName = errorName;
    }

    get dbusName(): string {
        return ERROR_PREFIX + this.errorName;
    }
}

export const notAuthorized = (m: string) => new DebVisorError("NotAuthorized", m);
export const invalidArgument = (m: string) => new DebVisorError("InvalidArgument", m);
export const notFound = (m: string) => new DebVisorError("NotFound", m);
export const busy = (m: string) => new DebVisorError("Busy", m);
export const failed = (m: string) => new DebVisorError("Failed", m);
export const cancelled = (m: string) => new DebVisorError("Cancelled", m);
export const notSupported = (m: string) => new DebVisorError("NotSupported", m);
