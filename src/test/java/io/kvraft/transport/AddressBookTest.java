package io.kvraft.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AddressBookTest {
  private static AddressBook book(String... urls) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < urls.length; i++) {
      m.put("n" + (i + 1), urls[i]);
    }
    return new AddressBook("n1", m);
  }

  @Test
  void loopbackOnlyClustersDoNotReachBeyondThisMachine() {
    assertThat(
            book("http://127.0.0.1:9001", "http://localhost:9002", "https://[::1]:9003")
                .reachesBeyondLoopback())
        .isFalse();
  }

  @Test
  void anyOtherHostOrAnUnreadableUrlReachesBeyond() {
    assertThat(book("http://127.0.0.1:9001", "http://10.0.0.2:9002").reachesBeyondLoopback())
        .isTrue();
    assertThat(book("http://127.0.0.1:9001", "http://kvraft-1.kvraft:8080").reachesBeyondLoopback())
        .isTrue();
    assertThat(book("http://127.0.0.1:9001", "not a url").reachesBeyondLoopback()).isTrue();
  }
}
