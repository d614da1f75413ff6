package io.kvraft.linearizability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Deterministic (seeded) generator of histories that are linearizable by construction: clients take
 * random turns on a logical clock, and each op is invoked, executed atomically on a shared map, and
 * returned in three separate turns, so intervals of different clients overlap while the recorded
 * order stays true to the real execution order.
 *
 * <p>{@link #generateAllOperations} runs the whole contract instead: conditional puts (with the
 * revision the client last saw, so some are stale and fail), creates, deletes and listing pages,
 * every answer with its revision; every write takes a log index, as in the service, whether it
 * succeeds or not, and indexes are sometimes skipped (a leader's no-op).
 *
 * <p>Some requests "time out": the client gives up and records an unknown outcome, and the request
 * then either takes effect at a random later turn, or never, or had already taken effect — exactly
 * the cases a lossy network causes.
 */
final class SimulatedKvWorkload {
  private enum Phase {
    IDLE,
    INVOKED,
    EXECUTED
  }

  private static final class Client {
    final int id;
    Phase phase = Phase.IDLE;
    long opId;
    KvOp op;
    KvOutput output;
    int issued;

    /** The revision this client last saw per key, for its compare-and-sets. */
    final Map<String, Long> lastSeen = new HashMap<>();

    Client(int id) {
      this.id = id;
    }
  }

  private final Random random;
  private final List<String> keys;
  private final double unknownOutcomeRate;
  private final AtomicLong clock = new AtomicLong();
  private final HistoryRecorder recorder = new HistoryRecorder(clock::get);
  private final Map<String, String> store = new ConcurrentHashMap<>();

  /** The whole contract: null when only gets, puts and appends run, without revisions. */
  private final TreeMap<String, KeyState> versioned;

  private long logIndex;

  /**
   * Abandoned requests still travelling through the "network"; each may take effect at any later
   * turn.
   */
  private final List<KvOp> inFlightAbandoned = new ArrayList<>();

  private SimulatedKvWorkload(
      long seed, List<String> keys, double unknownOutcomeRate, boolean allOperations) {
    this.random = new Random(seed);
    this.keys = keys;
    this.unknownOutcomeRate = unknownOutcomeRate;
    this.versioned = allOperations ? new TreeMap<>() : null;
  }

  static List<Operation> generate(
      long seed, int clients, int totalOps, List<String> keys, double unknownOutcomeRate) {
    return new SimulatedKvWorkload(seed, keys, unknownOutcomeRate, false).run(clients, totalOps);
  }

  /** As {@link #generate}, with every operation of the contract and answers with revisions. */
  static List<Operation> generateAllOperations(
      long seed, int clients, int totalOps, List<String> keys, double unknownOutcomeRate) {
    return new SimulatedKvWorkload(seed, keys, unknownOutcomeRate, true).run(clients, totalOps);
  }

  private List<Operation> run(int clientCount, int totalOps) {
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < clientCount; i++) {
      clients.add(new Client(i));
    }
    int issued = 0;
    while (issued < totalOps || clients.stream().anyMatch(c -> c.phase != Phase.IDLE)) {
      clock.incrementAndGet();
      Client client = clients.get(random.nextInt(clientCount));
      if (client.phase == Phase.IDLE && issued < totalOps) {
        issued++;
        invoke(client);
      } else if (client.phase == Phase.INVOKED) {
        executeOrAbandon(client);
      } else if (client.phase == Phase.EXECUTED) {
        respond(client);
      }
      maybeDeliverAbandonedRequest();
    }
    return recorder.history();
  }

  private void invoke(Client client) {
    String key = keys.get(random.nextInt(keys.size()));
    // Values are unique, ';'-terminated tokens, so no concatenation of appends can ever equal
    // another op's value.
    String value = "c" + client.id + "." + client.issued++ + ";";
    if (versioned != null) {
      client.op =
          OperationMix.next(random, key, value, client.lastSeen.getOrDefault(key, 1L), keys, "");
    } else {
      int kind = random.nextInt(10);
      client.op =
          kind < 4 ? KvOp.get(key) : kind < 7 ? KvOp.put(key, value) : KvOp.append(key, value);
    }
    client.opId = recorder.invoke(client.id, client.op);
    client.phase = Phase.INVOKED;
  }

  private void executeOrAbandon(Client client) {
    if (random.nextDouble() < unknownOutcomeRate) {
      recorder.completeUnknown(client.opId); // timed out before the request was executed
      if (random.nextBoolean()) {
        inFlightAbandoned.add(client.op);
      }
      client.phase = Phase.IDLE;
      return;
    }
    client.output = execute(client.op);
    long seen = client.output.witnessedRevision();
    if (seen > 0 && !(client.op instanceof KvOp.Delete)) {
      client.lastSeen.put(client.op.key(), seen);
    }
    client.phase = Phase.EXECUTED;
  }

  private void respond(Client client) {
    if (random.nextDouble() < unknownOutcomeRate) {
      recorder.completeUnknown(client.opId); // executed, but the answer was lost
    } else {
      recorder.complete(client.opId, client.output);
    }
    client.phase = Phase.IDLE;
  }

  private void maybeDeliverAbandonedRequest() {
    if (!inFlightAbandoned.isEmpty() && random.nextInt(20) == 0) {
      execute(inFlightAbandoned.remove(random.nextInt(inFlightAbandoned.size())));
    }
  }

  /** The ground truth: each op is one atomic map operation. */
  private KvOutput execute(KvOp op) {
    if (versioned != null) {
      return executeVersioned(op);
    }
    if (op instanceof KvOp.Get get) {
      return KvOutput.value(store.getOrDefault(get.key(), ""));
    }
    if (op instanceof KvOp.Put put) {
      store.put(put.key(), put.value());
    } else {
      KvOp.Append append = (KvOp.Append) op;
      store.merge(append.key(), append.value(), String::concat);
    }
    return KvOutput.ack();
  }

  /**
   * The ground truth of the whole contract, as {@code KvStateMachine} applies it: every write takes
   * the next log index, and one that takes effect gives the key that revision.
   */
  private KvOutput executeVersioned(KvOp op) {
    if (op instanceof KvOp.Get get) {
      KeyState s = versioned.getOrDefault(get.key(), KeyState.INITIAL);
      return s.present() ? KvOutput.value(s.value(), s.revision()) : KvOutput.absent();
    }
    if (op instanceof KvOp.ListKeys listing) {
      List<String> shown = new ArrayList<>();
      versioned.forEach(
          (key, s) -> {
            if (s.present() && listing.covers(key) && shown.size() < listing.limit()) {
              shown.add(key);
            }
          });
      return KvOutput.keys(shown);
    }
    if (random.nextInt(10) == 0) {
      logIndex++; // a leader's no-op, or a session registration
    }
    long index = ++logIndex;
    KeyState s = versioned.getOrDefault(op.key(), KeyState.INITIAL);
    if (!KeyModel.conditionHolds(s, op)) {
      return op instanceof KvOp.Delete d && d.expected() == 0
          ? KvOutput.nothingToDelete()
          : KvOutput.preconditionFailed(s.reportedRevision());
    }
    String after =
        op instanceof KvOp.Append a
            ? s.valueOrEmpty() + a.value()
            : op instanceof KvOp.Delete ? null : KeyModel.writtenValue(op);
    versioned.put(op.key(), new KeyState(after, index));
    return KvOutput.ok(index);
  }
}
