package io.kvraft.node;

import static org.awaitility.Awaitility.await;

import io.kvraft.raft.Configuration;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.Role;
import io.kvraft.raft.log.MemoryRaftStorage;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link RaftNode} on a {@link GatedStorage} over memory, so a test can stall its disk; what it
 * sends goes nowhere. As an instance {@code @RegisterExtension} it opens the gate and closes the
 * node after each test.
 */
final class GatedNode implements AfterEachCallback {
  private static final RaftConfig CONFIG =
      RaftConfig.defaults().withElectionTicks(15).withHeartbeatTicks(2);

  private final GatedStorage disk = new GatedStorage(new MemoryRaftStorage());
  private RaftNode node;

  GatedStorage disk() {
    return disk;
  }

  /**
   * Member {@code id} of {@code members}, applying with {@code applier}, given its bounds by {@code
   * setup} and then started.
   */
  RaftNode start(String id, List<String> members, Applier applier, Consumer<RaftNode> setup)
      throws IOException {
    node =
        new RaftNode(
            id,
            Configuration.ofVoters(members),
            CONFIG,
            Duration.ofMillis(10),
            disk,
            m -> {},
            applier,
            new Random(1));
    setup.accept(node);
    node.start();
    return node;
  }

  /** The only member of its cluster, started as {@link #start} does, once it leads. */
  RaftNode startLeader(Applier applier, Consumer<RaftNode> setup) throws IOException {
    RaftNode solo = start("solo", List.of("solo"), applier, setup);
    await().atMost(Duration.ofSeconds(10)).until(() -> solo.status().role() == Role.LEADER);
    return solo;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    disk.resume();
    if (node != null) {
      node.close();
    }
  }
}
