package engine

// GlobMatch reports whether str matches the glob pattern pat exactly as
// Redis 7.0's stringmatchlen decides it (see globMatch), for hosts that
// match outside the keyspace: PSUBSCRIBE patterns against channels, PUBSUB
// CHANNELS. Like stringmatchlen, and unlike KEYS, a lone "*" does not
// match the empty string.
func GlobMatch(pat, str []byte, nocase bool) bool { return globMatch(pat, str, nocase) }
