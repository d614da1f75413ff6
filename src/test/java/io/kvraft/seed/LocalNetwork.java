package io.kvraft.seed;

import io.kvraft.raft.Message;
import io.kvraft.transport.SnapshotChunk;
import io.kvraft.transport.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * The in-process network between the Raft nodes of a {@link KvCluster}, after labrpc (seed-tests.md):
 *
 * <ul>
 *   <li>every directed link {@code from -> to} can be enabled or disabled (labrpc's per-endpoint {@code Enable});
 *       {@link #partition} enables the links inside each group and disables those that cross;
 *   <li>reliable mode delivers at once, in order; unreliable mode drops 10 % of messages and delays the others by
 *       0 to 26 ms ({@code rand % 27}), which also reorders them;
 *   <li>a message is checked when sent and again when delivered: a link disabled meanwhile, a dead target or a
 *       sender that has crashed since (a new incarnation, like labrpc's fresh endpoint names) drops it.
 * </ul>
 *
 * InstallSnapshot chunks ({@link Transport#sendSnapshotChunk}) are request/response: they take the same link and
 * liveness checks (before the call and again before the reply is returned), and when unreliable the same 0–26 ms
 * delay and 10 % loss of the request and, separately, of the reply. A lost chunk is an IOException to the sender.
 *
 * <p>Raft messages are one-way, so labrpc's "drop the request" and "drop the reply" both become "drop this message".
 * Long reordering (labrpc's {@code LongReordering}) is not modelled; the kvraft tests do not use it.
 */
final class LocalNetwork implements AutoCloseable {
  private final int n;
  private final List<String> ids;
  /** 1 when the directed link {@code [from * n + to]} carries messages. */
  private final AtomicIntegerArray links;
  /** Current incarnation per node; a transport of an older one is dead. */
  private final AtomicLongArray incarnation;
  /** Where messages for a node go while it runs; null while it is down. */
  private final AtomicReferenceArray<Consumer<List<Message>>> receivers;
  /** Where InstallSnapshot chunks for a node go while it runs; null while it is down or keeps no snapshots. */
  private final AtomicReferenceArray<ChunkReceiver> chunkReceivers;
  private final ScheduledExecutorService delays;
  private volatile boolean unreliable;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();

  LocalNetwork(List<String> ids) {
    this.ids = List.copyOf(ids);
    this.n = ids.size();
    this.links = new AtomicIntegerArray(n * n);
    this.incarnation = new AtomicLongArray(n);
    this.receivers = new AtomicReferenceArray<>(n);
    this.chunkReceivers = new AtomicReferenceArray<>(n);
    AtomicInteger threads = new AtomicInteger();
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            2,
            r -> {
              Thread t = new Thread(r, "localnet-delay-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.setRemoveOnCancelPolicy(true);
    this.delays = pool;
    connectAll();
  }

  void setUnreliable(boolean on) {
    unreliable = on;
  }

  boolean unreliable() {
    return unreliable;
  }

  /** Raft messages handed to the network so far (the seed's RPC count). */
  long messagesSent() {
    return sent.get();
  }

  long messagesDelivered() {
    return delivered.get();
  }

  void enable(int from, int to, boolean on) {
    links.set(from * n + to, on ? 1 : 0);
  }

  boolean enabled(int from, int to) {
    return links.get(from * n + to) == 1;
  }

  void connectAll() {
    for (int i = 0; i < n * n; i++) {
      links.set(i, 1);
    }
  }

  /** labrpc's kvraft {@code partition(p1, p2)}: links inside a group on, links across off. */
  void partition(List<Integer> p1, List<Integer> p2) {
    for (int a : p1) {
      for (int b : p1) {
        enable(a, b, true);
      }
      for (int b : p2) {
        enable(a, b, false);
        enable(b, a, false);
      }
    }
    for (int a : p2) {
      for (int b : p2) {
        enable(a, b, true);
      }
    }
  }

  /**
   * The transport of a new incarnation of node {@code i}. It carries nothing until {@link #up} names where the
   * incarnation receives (the node needs its transport before it exists).
   */
  Transport attach(int i) {
    long inc = incarnation.incrementAndGet(i);
    receivers.set(i, null);
    chunkReceivers.set(i, null);
    return new NodeTransport(i, inc);
  }

  /** A node's handler for InstallSnapshot chunks ({@code RaftNode::receiveSnapshotChunk}). */
  interface ChunkReceiver {
    SnapshotChunk.Reply receive(SnapshotChunk chunk) throws IOException;
  }

  void up(int i, Consumer<List<Message>> receiver) {
    up(i, receiver, null);
  }

  void up(int i, Consumer<List<Message>> receiver, ChunkReceiver chunks) {
    chunkReceivers.set(i, chunks);
    receivers.set(i, receiver);
  }

  /** Node {@code i} is down: nothing reaches it and nothing its old incarnation sent is delivered any more. */
  void detach(int i) {
    incarnation.incrementAndGet(i);
    receivers.set(i, null);
    chunkReceivers.set(i, null);
  }

  boolean isUp(int i) {
    return receivers.get(i) != null;
  }

  private void send(int from, long fromIncarnation, Message m) {
    sent.incrementAndGet();
    int to = ids.indexOf(m.to());
    if (to < 0 || !deliverable(from, fromIncarnation, to)) {
      return;
    }
    if (!unreliable) {
      deliver(from, fromIncarnation, to, m);
      return;
    }
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    if (rnd.nextInt(100) < 10) {
      return;
    }
    int ms = rnd.nextInt(27);
    if (ms == 0) {
      deliver(from, fromIncarnation, to, m);
    } else {
      try {
        delays.schedule(() -> deliver(from, fromIncarnation, to, m), ms, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException closed) {
        // the network is shut down
      }
    }
  }

  private boolean deliverable(int from, long fromIncarnation, int to) {
    return incarnation.get(from) == fromIncarnation && enabled(from, to) && receivers.get(to) != null;
  }

  private void deliver(int from, long fromIncarnation, int to, Message m) {
    Consumer<List<Message>> target = receivers.get(to);
    if (target == null || !deliverable(from, fromIncarnation, to)) {
      return;
    }
    delivered.incrementAndGet();
    // RaftNode.receive only enqueues; its loop drains everything queued at once, which batches for us.
    target.accept(List.of(m));
  }

  private SnapshotChunk.Reply sendChunk(int from, long fromIncarnation, SnapshotChunk chunk) throws IOException {
    sent.incrementAndGet();
    int to = ids.indexOf(chunk.to());
    if (to < 0 || !deliverable(from, fromIncarnation, to)) {
      throw new IOException("snapshot chunk to " + chunk.to() + ": unreachable");
    }
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    if (unreliable) {
      sleep(rnd.nextInt(27));
      if (rnd.nextInt(100) < 10) {
        throw new IOException("snapshot chunk to " + chunk.to() + " lost");
      }
    }
    ChunkReceiver target = chunkReceivers.get(to);
    if (target == null || !deliverable(from, fromIncarnation, to)) {
      throw new IOException("snapshot chunk to " + chunk.to() + ": unreachable");
    }
    delivered.incrementAndGet();
    // Through the wire format, as over HTTP, so the receiver never shares the sender's array.
    SnapshotChunk.Reply reply = target.receive(SnapshotChunk.decode(chunk.encode()));
    if (!deliverable(from, fromIncarnation, to) || !enabled(to, from)) {
      throw new IOException("snapshot chunk reply from " + chunk.to() + " lost: link down or node crashed");
    }
    if (unreliable && rnd.nextInt(100) < 10) {
      throw new IOException("snapshot chunk reply from " + chunk.to() + " lost");
    }
    return reply;
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  @Override
  public void close() {
    delays.shutdownNow();
  }

  private final class NodeTransport implements Transport {
    private final int self;
    private final long inc;

    NodeTransport(int self, long inc) {
      this.self = self;
      this.inc = inc;
    }

    @Override
    public void send(Message m) {
      LocalNetwork.this.send(self, inc, m);
    }

    @Override
    public SnapshotChunk.Reply sendSnapshotChunk(SnapshotChunk chunk, Duration timeout) throws IOException {
      return LocalNetwork.this.sendChunk(self, inc, chunk);
    }

    @Override
    public void close() {
      // Detaching is the cluster's job (it must happen before the crash so no reply escapes); nothing to free here.
    }
  }
}
