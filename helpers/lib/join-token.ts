// What a join token looks like from outside, shared by debvisord (which makes
// and reads tokens, cluster/token.ts) and the Cluster page (which says early
// when what was pasted cannot be one).

/** the version mark every token begins with: a token of another format is refused by name */
export const JOIN_TOKEN_PREFIX = "dvjoin2.";
