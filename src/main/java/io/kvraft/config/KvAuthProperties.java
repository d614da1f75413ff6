package io.kvraft.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code kv.auth.*}: bearer tokens for the client API ({@code /kv}, {@code /kv/**}). Off while both
 * lists are empty; once any token is set every /kv request must carry {@code Authorization: Bearer
 * <token>}. Read-only tokens may GET (values and listings); read-write tokens may also PUT, POST
 * and DELETE. Lists are comma-separated in one property or environment variable
 * (KV_AUTH_READ_WRITE_TOKENS=a,b), so a token can be rotated by listing old and new together for a
 * while. Every node must be given the same tokens: clients may talk to any node, and a follower's
 * forwarded write is checked again by the leader.
 *
 * @param readWriteTokens tokens allowed to read and write
 * @param readOnlyTokens tokens allowed to read only
 */
@ConfigurationProperties(prefix = "kv.auth")
public record KvAuthProperties(List<String> readWriteTokens, List<String> readOnlyTokens) {
  public KvAuthProperties {
    readWriteTokens = nonBlank(readWriteTokens);
    readOnlyTokens = nonBlank(readOnlyTokens);
    Set<String> both = new HashSet<>(readWriteTokens);
    both.retainAll(readOnlyTokens);
    if (!both.isEmpty()) {
      throw new IllegalArgumentException(
          "a token is listed in both kv.auth.read-write-tokens and kv.auth.read-only-tokens; give it one role");
    }
  }

  public boolean enabled() {
    return !readWriteTokens.isEmpty() || !readOnlyTokens.isEmpty();
  }

  // An empty environment variable (KV_AUTH_READ_ONLY_TOKENS=) must not become a token that is the
  // empty string.
  private static List<String> nonBlank(List<String> tokens) {
    return tokens == null
        ? List.of()
        : tokens.stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
  }
}
