package io.kvraft.transport;

import io.kvraft.raft.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An in-process network between Raft nodes for tests, after 6.824's labrpc: every node gets a
 * {@link Transport} from {@link #attach}, and names where it receives with {@link #up}. The faults
 * tests need, all off at first:
 *
 * <ul>
 *   <li>every directed link {@code from -> to} can be disabled ({@link #enable}, {@link
 *       #partition}), and a node can be cut off from everyone in both directions ({@link
 *       #disconnect});
 *   <li>reliable mode delivers at once, on the sender's thread, in order; {@link #setUnreliable
 *       unreliable} mode (or {@link #setFaults}) drops a share of messages and delays the others by
 *       a random 0 to max ms, which also reorders them;
 *   <li>a message is checked when sent and again when delivered: a link disabled meanwhile, a node
 *       that is not up or a sender that has crashed since (a new incarnation from {@link #attach}
 *       or {@link #detach}, like labrpc's fresh endpoint names) drops it;
 *   <li>{@link #onChunk} sees every InstallSnapshot chunk on the sender's thread and may lose it.
 * </ul>
 *
 * InstallSnapshot chunks ({@link Transport#sendSnapshotChunk}) are request/response: they take the
 * same link and liveness checks (before the call and again before the reply is returned), and when
 * unreliable the same delay and loss of the request and, separately, of the reply. A lost chunk is
 * an IOException to the sender. Messages to a node never attached are dropped, as {@link Transport}
 * allows; chunks to it fail with an IOException.
 *
 * <p>Chunks and replies go through their wire format, as over HTTP, so the receiver never shares
 * the sender's arrays. Raft messages are one-way, so labrpc's "drop the request" and "drop the
 * reply" both become "drop this message". Long reordering (labrpc's {@code LongReordering}) is not
 * modelled.
 */
public final class InMemoryNetwork implements AutoCloseable {
  /** A node's handler for InstallSnapshot chunks ({@code RaftNode::receiveSnapshotChunk}). */
  public interface ChunkReceiver {
    SnapshotChunk.Reply receive(SnapshotChunk chunk) throws IOException;
  }

  /** Sees each chunk (numbered from 1 in sending order) before it travels; true loses it. */
  public interface ChunkFault {
    boolean lose(SnapshotChunk chunk, int seq);
  }

  private static final class Node {
    final AtomicLong incarnation = new AtomicLong();
    volatile Consumer<List<Message>> receiver;
    volatile ChunkReceiver chunks;
    volatile boolean connected = true;
  }

  private final Map<String, Node> nodes = new ConcurrentHashMap<>();

  /** Directed links {@code from -> to} that carry nothing. */
  private final Set<String> disabled = ConcurrentHashMap.newKeySet();

  private volatile int dropPercent;
  private volatile int maxDelayMillis;
  private volatile ChunkFault chunkFault = (chunk, seq) -> false;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicInteger chunksSent = new AtomicInteger();
  private final AtomicLong chunkBytesDelivered = new AtomicLong();
  private ScheduledThreadPoolExecutor delays;
  private boolean closed;

  /** labrpc's unreliable network: 10 % of messages lost, the others delayed by 0 to 26 ms. */
  public void setUnreliable(boolean on) {
    setFaults(on ? 10 : 0, on ? 26 : 0);
  }

  public boolean unreliable() {
    return dropPercent > 0 || maxDelayMillis > 0;
  }

  /**
   * Loses {@code dropPercent} % of messages (and of chunks and their replies) and delays the rest 0
   * to max ms.
   */
  public void setFaults(int dropPercent, int maxDelayMillis) {
    this.dropPercent = dropPercent;
    this.maxDelayMillis = maxDelayMillis;
  }

  public void onChunk(ChunkFault fault) {
    this.chunkFault = fault;
  }

  /**
   * Raft messages and snapshot chunks handed to the network so far (the seed suites' RPC count).
   */
  public long messagesSent() {
    return sent.get();
  }

  public long messagesDelivered() {
    return delivered.get();
  }

  /**
   * Snapshot chunks handed to the network so far (the number the last one got in {@link
   * ChunkFault#lose}).
   */
  public int chunksSent() {
    return chunksSent.get();
  }

  /** Bytes of snapshot data in chunks that reached their receiver. */
  public long chunkBytesDelivered() {
    return chunkBytesDelivered.get();
  }

  // ---------------------------------------------------------------- nodes

  /**
   * The transport of a new incarnation of {@code id}: whatever earlier ones sent is dropped from
   * now on. It carries nothing to the node until {@link #up} names where it receives (a node needs
   * its transport before it exists).
   */
  public Transport attach(String id) {
    Node n = node(id);
    long inc = n.incarnation.incrementAndGet();
    n.receiver = null;
    n.chunks = null;
    return new Endpoint(id, inc);
  }

  public void up(String id, Consumer<List<Message>> receiver) {
    up(id, receiver, null);
  }

  /**
   * {@code id} receives messages through {@code receiver} and chunks through {@code chunks} (null:
   * none).
   */
  public void up(String id, Consumer<List<Message>> receiver, ChunkReceiver chunks) {
    Node n = node(id);
    n.chunks = chunks;
    n.receiver = receiver;
  }

  /**
   * Node {@code id} is down: nothing reaches it and nothing its old incarnation sent is delivered
   * any more.
   */
  public void detach(String id) {
    Node n = node(id);
    n.incarnation.incrementAndGet();
    n.receiver = null;
    n.chunks = null;
  }

  public boolean isUp(String id) {
    Node n = nodes.get(id);
    return n != null && n.receiver != null;
  }

  private Node node(String id) {
    return nodes.computeIfAbsent(id, k -> new Node());
  }

  // ---------------------------------------------------------------- links

  public void enable(String from, String to, boolean on) {
    if (on) {
      disabled.remove(from + "->" + to);
    } else {
      disabled.add(from + "->" + to);
    }
  }

  public boolean enabled(String from, String to) {
    return !disabled.contains(from + "->" + to);
  }

  /** Cuts {@code id} off from everyone, both ways, until {@link #connect}. */
  public void disconnect(String id) {
    node(id).connected = false;
  }

  public void connect(String id) {
    node(id).connected = true;
  }

  public boolean isConnected(String id) {
    Node n = nodes.get(id);
    return n == null || n.connected;
  }

  /** Every link carries messages again and every node is connected. */
  public void connectAll() {
    disabled.clear();
    nodes.values().forEach(n -> n.connected = true);
  }

  /** labrpc's kvraft {@code partition(p1, p2)}: links inside a group on, links across off. */
  public void partition(Collection<String> p1, Collection<String> p2) {
    for (String a : p1) {
      for (String b : p1) {
        enable(a, b, true);
      }
      for (String b : p2) {
        enable(a, b, false);
        enable(b, a, false);
      }
    }
    for (String a : p2) {
      for (String b : p2) {
        enable(a, b, true);
      }
    }
  }

  private boolean linkUp(String from, String to) {
    return isConnected(from) && isConnected(to) && enabled(from, to);
  }

  /** A message from incarnation {@code inc} of {@code from} may reach {@code to} now. */
  private boolean deliverable(String from, long inc, String to) {
    Node src = nodes.get(from);
    Node dst = nodes.get(to);
    return src != null
        && dst != null
        && src.incarnation.get() == inc
        && dst.receiver != null
        && linkUp(from, to);
  }

  // ---------------------------------------------------------------- carrying

  private void send(String from, long inc, Message m) {
    sent.incrementAndGet();
    String to = m.to();
    if (!deliverable(from, inc, to)) {
      return;
    }
    int drop = dropPercent;
    int maxDelay = maxDelayMillis;
    if (drop == 0 && maxDelay == 0) {
      deliver(from, inc, to, m);
      return;
    }
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    if (rnd.nextInt(100) < drop) {
      return;
    }
    int ms = maxDelay == 0 ? 0 : rnd.nextInt(maxDelay + 1);
    if (ms == 0) {
      deliver(from, inc, to, m);
      return;
    }
    ScheduledThreadPoolExecutor pool = delays();
    if (pool == null) {
      return; // the network is closed
    }
    try {
      pool.schedule(() -> deliver(from, inc, to, m), ms, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException shutDown) {
      // the network is closed
    }
  }

  private void deliver(String from, long inc, String to, Message m) {
    Consumer<List<Message>> target = nodes.get(to).receiver;
    if (target == null || !deliverable(from, inc, to)) {
      return;
    }
    delivered.incrementAndGet();
    // RaftNode.receive only enqueues; its loop drains everything queued at once, which batches for
    // us.
    target.accept(List.of(m));
  }

  private SnapshotChunk.Reply sendChunk(String from, long inc, SnapshotChunk chunk)
      throws IOException {
    sent.incrementAndGet();
    int seq = chunksSent.incrementAndGet();
    String to = chunk.to();
    if (chunkFault.lose(chunk, seq)) {
      throw new IOException("snapshot chunk " + seq + " to " + to + " lost");
    }
    if (!deliverable(from, inc, to)) {
      throw new IOException("snapshot chunk to " + to + ": unreachable");
    }
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    int drop = dropPercent;
    if (maxDelayMillis > 0) {
      sleep(rnd.nextInt(maxDelayMillis + 1));
    }
    if (drop > 0 && rnd.nextInt(100) < drop) {
      throw new IOException("snapshot chunk to " + to + " lost");
    }
    ChunkReceiver target = nodes.get(to).chunks;
    if (target == null || !deliverable(from, inc, to)) {
      throw new IOException("snapshot chunk to " + to + ": unreachable");
    }
    delivered.incrementAndGet();
    chunkBytesDelivered.addAndGet(chunk.data().length);
    SnapshotChunk.Reply reply = target.receive(SnapshotChunk.decode(chunk.encode()));
    if (!deliverable(from, inc, to) || !linkUp(to, from)) {
      throw new IOException("snapshot chunk reply from " + to + " lost: link down or node crashed");
    }
    if (drop > 0 && rnd.nextInt(100) < drop) {
      throw new IOException("snapshot chunk reply from " + to + " lost");
    }
    return SnapshotChunk.Reply.decode(reply.encode());
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
  }

  private synchronized ScheduledThreadPoolExecutor delays() {
    if (delays == null && !closed) {
      AtomicInteger threads = new AtomicInteger();
      delays =
          new ScheduledThreadPoolExecutor(
              2,
              r -> {
                Thread t = new Thread(r, "inmemory-net-delay-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      delays.setRemoveOnCancelPolicy(true);
    }
    return delays;
  }

  /** Stops delivering delayed messages. */
  @Override
  public synchronized void close() {
    closed = true;
    if (delays != null) {
      delays.shutdownNow();
    }
  }

  /**
   * One incarnation's transport: sends as {@code self} while that incarnation is current and it is
   * not closed.
   */
  private final class Endpoint implements Transport {
    private final String self;
    private final long inc;
    private volatile boolean closed;

    Endpoint(String self, long inc) {
      this.self = self;
      this.inc = inc;
    }

    @Override
    public void send(Message m) {
      if (!closed) {
        InMemoryNetwork.this.send(self, inc, m);
      }
    }

    @Override
    public SnapshotChunk.Reply sendSnapshotChunk(SnapshotChunk chunk, Duration timeout)
        throws IOException {
      if (closed) {
        throw new IOException("transport of " + self + " is closed");
      }
      return InMemoryNetwork.this.sendChunk(self, inc, chunk);
    }

    /**
     * Stops this endpoint sending; what it receives is the network's business ({@link #detach}).
     */
    @Override
    public void close() {
      closed = true;
    }
  }
}
