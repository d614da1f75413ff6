package io.kvraft.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code kv.*} settings.
 *
 * @param requestTimeout how long a request waits to be committed or confirmed before answering 503
 * @param maxKeyBytes longest key, in UTF-8 bytes
 * @param maxValueBytes largest value (and request body)
 * @param maxListLimit largest page of a prefix listing
 * @param sessionTtl a client session idle this long (by leader timestamps) is forgotten
 * @param maxSessions most client sessions kept; a registration into a full table evicts the least
 *     recently used session if it has been idle at least {@code sessionMinIdle}, and is refused
 *     (503) otherwise
 * @param sessionMinIdle how long (by leader timestamps) a session must have been unused before a
 *     registration may evict it, so that a flood of registrations cannot push out a client in use
 * @param bodyReadTimeout a request body (of {@code /kv} and posted {@code /raft/*} requests) not
 *     complete this long after its headers is answered 408 and its connection closed; nothing is
 *     applied
 * @param bodyBudgetBytes the {@code /kv} request bodies a member reads at once may hold this many
 *     bytes; past it a write is answered 503 Overloaded (default: a sixteenth of the heap, {@code
 *     Runtime.maxMemory() / 16})
 */
@ConfigurationProperties(prefix = "kv")
public record KvProperties(
    Duration requestTimeout,
    Integer maxKeyBytes,
    Integer maxValueBytes,
    Integer maxListLimit,
    Duration sessionTtl,
    Integer maxSessions,
    Duration sessionMinIdle,
    Duration bodyReadTimeout,
    Long bodyBudgetBytes) {
  public KvProperties {
    requestTimeout = requestTimeout == null ? Duration.ofSeconds(5) : requestTimeout;
    maxKeyBytes = maxKeyBytes == null ? 1024 : maxKeyBytes;
    maxValueBytes = maxValueBytes == null ? 1 << 20 : maxValueBytes;
    maxListLimit = maxListLimit == null ? 1000 : maxListLimit;
    sessionTtl = sessionTtl == null ? Duration.ofHours(1) : sessionTtl;
    maxSessions = maxSessions == null ? 100_000 : maxSessions;
    sessionMinIdle = sessionMinIdle == null ? Duration.ofMinutes(5) : sessionMinIdle;
    bodyReadTimeout = bodyReadTimeout == null ? Duration.ofSeconds(10) : bodyReadTimeout;
    bodyBudgetBytes =
        bodyBudgetBytes == null ? Runtime.getRuntime().maxMemory() / 16 : bodyBudgetBytes;
    if (bodyReadTimeout.isNegative() || bodyReadTimeout.isZero()) {
      throw new IllegalArgumentException("kv.body-read-timeout must be positive");
    }
    if (bodyBudgetBytes < 1) {
      throw new IllegalArgumentException("kv.body-budget-bytes must be positive");
    }
  }
}
