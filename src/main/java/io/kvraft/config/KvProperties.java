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
 * @param maxSessions most client sessions kept; a registration into a full table evicts the least recently used
 *     session if it has been idle at least {@code sessionMinIdle}, and is refused (503) otherwise
 * @param sessionMinIdle how long (by leader timestamps) a session must have been unused before a registration may
 *     evict it, so that a flood of registrations cannot push out a client in use
 */
@ConfigurationProperties(prefix = "kv")
public record KvProperties(
    Duration requestTimeout,
    Integer maxKeyBytes,
    Integer maxValueBytes,
    Integer maxListLimit,
    Duration sessionTtl,
    Integer maxSessions,
    Duration sessionMinIdle) {
  public KvProperties {
    requestTimeout = requestTimeout == null ? Duration.ofSeconds(5) : requestTimeout;
    maxKeyBytes = maxKeyBytes == null ? 1024 : maxKeyBytes;
    maxValueBytes = maxValueBytes == null ? 1 << 20 : maxValueBytes;
    maxListLimit = maxListLimit == null ? 1000 : maxListLimit;
    sessionTtl = sessionTtl == null ? Duration.ofHours(1) : sessionTtl;
    maxSessions = maxSessions == null ? 100_000 : maxSessions;
    sessionMinIdle = sessionMinIdle == null ? Duration.ofMinutes(5) : sessionMinIdle;
  }
}
