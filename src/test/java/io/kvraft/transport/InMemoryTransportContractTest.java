package io.kvraft.transport;

import java.util.Map;

/** The {@link Transport} contract over the tests' {@link InMemoryNetwork}. */
class InMemoryTransportContractTest extends TransportContractTest {
  private final InMemoryNetwork net = new InMemoryNetwork();

  @Override
  Transport start(Map<String, Inbox> inboxes) {
    inboxes.forEach(
        (id, inbox) -> {
          net.attach(id);
          net.up(id, inbox::receive, inbox::receiveChunk);
        });
    // A member whose node is down: attached once, not receiving.
    net.attach(UNREACHABLE);
    return net.attach(SENDER);
  }

  @Override
  void stop() {
    net.close();
  }
}
