package io.kvraft.kv;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Keys with dot segments name different keys to the server and to clients, proxies and the
 * follower's relay.
 */
class KvLimitsTest {
  private final KvLimits limits = KvLimits.defaults();

  @Test
  void dotSegmentsAreRefusedButDotsInsideNamesAreFine() {
    for (String bad : new String[] {"..", ".", "../raft/vote", "a/../b", "a/./b", "a/..", "a/."}) {
      assertThatThrownBy(() -> limits.checkKey(bad))
          .as(bad)
          .isInstanceOf(InvalidRequestException.class);
    }
    for (String ok : new String[] {"a.b", "...", "a/.../b", ".hidden", "a/b..", "a//b", "v1.2/x"}) {
      assertThatCode(() -> limits.checkKey(ok)).as(ok).doesNotThrowAnyException();
    }
  }
}
