package io.kvraft.raft;

import io.kvraft.raft.harness.ReadyDriver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A few cores on a lossless, instant network, for small deterministic tests of core behaviour: each
 * round ticks every live core, then carries out Ready (through a {@link ReadyDriver} over storage
 * that is durable at once) and delivers messages until quiet. Members can be cut off; messages to
 * or from a cut member are dropped.
 */
final class CoreNetwork {
  final Map<String, RaftCore> nodes = new TreeMap<>();
  final Map<String, List<Entry>> applied = new HashMap<>();
  final Map<String, List<ReadState>> reads = new HashMap<>();
  private final Map<String, ReadyDriver> drivers = new HashMap<>();
  private final Set<String> down = new HashSet<>();
  private final ArrayDeque<Message> net = new ArrayDeque<>();

  CoreNetwork(Configuration config, long seed) {
    this(config, RaftConfig.defaults(), seed);
  }

  CoreNetwork(Configuration config, RaftConfig cfg, long seed) {
    Random rnd = new Random(seed);
    for (String id : config.members()) {
      RaftCore core =
          new RaftCore(id, config, cfg, new Random(rnd.nextLong()), PersistentState.empty());
      nodes.put(id, core);
      applied.put(id, new ArrayList<>());
      reads.put(id, new ArrayList<>());
      drivers.put(id, new ReadyDriver(core, host(id)));
    }
  }

  /**
   * Node {@code id}'s Ready: into the network, persisted at once, what is applied and read
   * recorded.
   */
  private ReadyDriver.Host host(String id) {
    return new ReadyDriver.Host() {
      @Override
      public void send(Message m) {
        net.add(m);
      }

      @Override
      public void persist(ReadyDriver.Write w) {
        drivers.get(id).durable();
      }

      @Override
      public void apply(List<Entry> committed) {
        applied.get(id).addAll(committed);
      }

      @Override
      public void readState(ReadState rs) {
        reads.get(id).add(rs);
      }

      @Override
      public void snapshotNeeded(String peer) {}
    };
  }

  RaftCore node(String id) {
    return nodes.get(id);
  }

  void cut(String id) {
    down.add(id);
  }

  void rounds(int n) {
    for (int i = 0; i < n; i++) {
      nodes.forEach(
          (id, core) -> {
            if (!down.contains(id)) {
              core.tick();
            }
          });
      settle();
    }
  }

  /** Carries out every Ready and delivers every message until nothing is left to do. */
  void settle() {
    boolean progress = true;
    while (progress) {
      progress = false;
      for (RaftCore n : nodes.values()) {
        if (!down.contains(n.id()) && n.hasReady()) {
          progress = true;
          drivers.get(n.id()).drain();
        }
      }
      while (!net.isEmpty()) {
        Message m = net.poll();
        if (!down.contains(m.from()) && !down.contains(m.to())) {
          nodes.get(m.to()).step(m);
        }
        progress = true;
      }
    }
  }

  List<RaftCore> leaders() {
    return nodes.values().stream()
        .filter(n -> n.role() == Role.LEADER && !down.contains(n.id()))
        .toList();
  }

  RaftCore leader() {
    List<RaftCore> l = leaders();
    if (l.size() != 1) {
      throw new AssertionError("expected one leader, found " + l + " in " + nodes.values());
    }
    return l.get(0);
  }
}
