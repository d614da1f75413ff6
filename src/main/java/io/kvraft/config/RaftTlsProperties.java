package io.kvraft.config;

import io.kvraft.tls.TrustStore;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code raft.tls.*}: what this node trusts when it calls other nodes over https:// (Raft traffic
 * and writes it forwards to the leader). The node's own certificate is Spring Boot's {@code
 * server.ssl.*}. Without a trust store the JVM's default trust applies, which is enough for
 * certificates from a CA the JVM already trusts.
 *
 * @param trustStore path of a key store holding the CA or self-signed certificate(s) peers present
 * @param trustStorePassword its password, if any
 * @param trustStoreType its type (default PKCS12; JKS also works)
 */
@ConfigurationProperties(prefix = "raft.tls")
public record RaftTlsProperties(
    String trustStore, String trustStorePassword, String trustStoreType) {
  public RaftTlsProperties {
    trustStoreType =
        trustStoreType == null || trustStoreType.isBlank()
            ? TrustStore.DEFAULT_TYPE
            : trustStoreType;
  }

  /** The configured trust store, loaded, or null to trust what the JVM trusts. */
  public TrustStore load() {
    return TrustStore.loadIfSet(trustStore, trustStorePassword, trustStoreType);
  }
}
