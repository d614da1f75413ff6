package io.kvraft.seed;

import io.kvraft.client.KvReply;
import io.kvraft.client.KvRequest;
import io.kvraft.linearizability.HistoryRecorder;
import io.kvraft.linearizability.KvOp;
import io.kvraft.linearizability.KvOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A clerk that records every operation of the whole contract with its answer, revisions included,
 * which {@link io.kvraft.client.KvClient} does not return: like the KvClient it holds a session the
 * cluster issued, sends each write once per Request-Seq and re-sends the same seq to other servers
 * (the hinted leader first) until an answer comes. It gives up only when told to stop, and records
 * the operation as outcome-unknown then; a 410 (session gone) is outcome-unknown too, after which
 * it registers afresh.
 */
final class RecordingClerk {
  private final KvCluster.Clerk clerk;
  private final int id;
  private final HistoryRecorder recorder;
  private final AtomicBoolean stop;
  private final Queue<String> anomalies;
  private final List<Integer> servers;
  private String session;
  private long seq;
  private int current;

  RecordingClerk(
      KvCluster.Clerk clerk,
      HistoryRecorder recorder,
      AtomicBoolean stop,
      Queue<String> anomalies) {
    this.clerk = clerk;
    this.id = clerk.id;
    this.recorder = recorder;
    this.stop = stop;
    this.anomalies = anomalies;
    this.servers = clerk.servers();
  }

  /** Runs and records {@code op}; null when its outcome stays unknown. */
  KvOutput execute(KvOp op) {
    if (op instanceof KvOp.ListKeys listing) {
      return list(listing);
    }
    boolean write = !op.isRead();
    if (write && session == null && !register()) {
      return null; // never sent, so not in the history: it cannot have taken effect
    }
    KvRequest request = request(op, write ? ++seq : 0);
    long opId = recorder.invoke(id, op);
    int failuresThisRound = 0;
    while (!stop.get()) {
      int server = servers.get(current);
      KvReply reply;
      try {
        reply = clerk.call(server, request);
      } catch (IOException lost) {
        reply = null;
      }
      if (reply != null && !reply.retryable()) {
        KvOutput out = output(op, reply);
        if (out == null) {
          break;
        }
        recorder.complete(opId, out);
        return out;
      }
      current = next(reply == null ? null : reply.leaderHint(), server);
      if (++failuresThisRound >= servers.size()) {
        failuresThisRound = 0;
        pause(10 + ThreadLocalRandom.current().nextInt(40));
      }
    }
    recorder.completeUnknown(opId);
    return null;
  }

  private KvOutput list(KvOp.ListKeys listing) {
    long opId = recorder.invoke(id, listing);
    while (!stop.get()) {
      int server = servers.get(current);
      try {
        List<String> page =
            clerk.listKeys(server, listing.prefix(), listing.startAfter(), listing.limit());
        KvOutput out = KvOutput.keys(page);
        recorder.complete(opId, out);
        return out;
      } catch (IOException e) {
        current = (current + 1) % servers.size();
        pause(5 + ThreadLocalRandom.current().nextInt(20));
      }
    }
    recorder.completeUnknown(opId);
    return null;
  }

  /**
   * The model's reading of a final answer; null (after noting why) when it leaves the outcome open.
   */
  private KvOutput output(KvOp op, KvReply reply) {
    if (op instanceof KvOp.Get) {
      if (reply.status() == 404) {
        return KvOutput.absent();
      }
      if (reply.status() == 200) {
        return KvOutput.value(new String(reply.value(), StandardCharsets.UTF_8), reply.revision());
      }
    } else if (reply.status() == 200 && reply.revision() > 0) {
      return KvOutput.ok(reply.revision());
    } else if (reply.status() == 204 && op instanceof KvOp.Delete) {
      return KvOutput.nothingToDelete();
    } else if (reply.status() == 412) {
      return KvOutput.preconditionFailed(reply.revision());
    } else if (reply.status() == 410) {
      session = null; // expired or evicted: its outcome is unknown, and the next write registers
      return null;
    }
    anomalies.add("clerk " + id + ": " + op + " answered " + reply);
    return null;
  }

  private KvRequest request(KvOp op, long s) {
    String client = s > 0 ? session : null;
    if (op instanceof KvOp.Get get) {
      return new KvRequest(KvRequest.Op.GET, get.key(), null, null, 0, 0, false, false);
    }
    if (op instanceof KvOp.Put put) {
      return new KvRequest(
          KvRequest.Op.PUT, put.key(), bytes(put.value()), client, s, 0, false, false);
    }
    if (op instanceof KvOp.Append append) {
      return new KvRequest(
          KvRequest.Op.APPEND, append.key(), bytes(append.value()), client, s, 0, false, false);
    }
    if (op instanceof KvOp.PutIfMatch cas) {
      return new KvRequest(
          KvRequest.Op.PUT, cas.key(), bytes(cas.value()), client, s, cas.expected(), false, false);
    }
    if (op instanceof KvOp.PutIfAbsent create) {
      return new KvRequest(
          KvRequest.Op.PUT, create.key(), bytes(create.value()), client, s, 0, true, false);
    }
    KvOp.Delete delete = (KvOp.Delete) op;
    return new KvRequest(
        KvRequest.Op.DELETE, delete.key(), null, client, s, delete.expected(), false, false);
  }

  private boolean register() {
    while (!stop.get()) {
      int server = servers.get(current);
      KvReply reply;
      try {
        reply = clerk.call(server, KvRequest.register());
      } catch (IOException lost) {
        reply = null;
      }
      if (reply != null && reply.status() == 201) {
        session = new String(reply.value(), StandardCharsets.UTF_8);
        seq = 0;
        return true;
      }
      current = next(reply == null ? null : reply.leaderHint(), server);
      pause(10);
    }
    return false;
  }

  /** The hinted leader ("s3" is server 3) if it is another server, else the next one. */
  private int next(String hint, int server) {
    if (hint != null && hint.startsWith("s")) {
      int hinted = servers.indexOf(Integer.parseInt(hint.substring(1)));
      if (hinted >= 0 && servers.get(hinted) != server) {
        return hinted;
      }
    }
    return (current + 1) % servers.size();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }
}
