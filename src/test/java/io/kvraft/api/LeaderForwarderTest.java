package io.kvraft.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LeaderForwarderTest {
  /** What Tomcat hands the follower for a header whose bytes are {@code sent}. */
  private static String asTomcatReadsIt(byte[] sent) {
    return new String(sent, StandardCharsets.ISO_8859_1);
  }

  @Test
  void aUtf8HeaderValueIsRelayedAsTheBytesTheClientSent() {
    byte[] sent = "fz-\u00e9t\u00e9-\ud83d\ude00".getBytes(StandardCharsets.UTF_8);
    String relayed = LeaderForwarder.asSent(asTomcatReadsIt(sent));
    // OkHttp writes header values as UTF-8: the leader then reads exactly what the follower read.
    assertThat(relayed.getBytes(StandardCharsets.UTF_8)).isEqualTo(sent);
  }

  @Test
  void asciiAndBytesThatAreNoUtf8AreLeftAsRead() {
    assertThat(LeaderForwarder.asSent("W/\"7\"")).isEqualTo("W/\"7\"");
    String latin1 = asTomcatReadsIt(new byte[] {'a', (byte) 0xff, 'b'});
    assertThat(LeaderForwarder.asSent(latin1)).isEqualTo(latin1);
  }
}
