package io.kvraft.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Tomcat's connection limit follows the heap, so busy slow connections cannot fill it (issue 12).
 */
class WebServerHardeningTest {
  @Test
  void aQuarterOfTheHeapInBusyConnectionsBetweenAFloorAndTomcatsDefault() {
    assertThat(WebServerHardening.maxConnectionsFor(256L << 20)).isEqualTo(682);
    assertThat(WebServerHardening.maxConnectionsFor(2L << 30)).isEqualTo(5461);
    assertThat(WebServerHardening.maxConnectionsFor(64L << 30)).isEqualTo(8192);
    assertThat(WebServerHardening.maxConnectionsFor(8L << 20)).isEqualTo(100);
  }
}
