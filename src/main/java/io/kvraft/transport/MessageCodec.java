package io.kvraft.transport;

import io.kvraft.raft.Entry;
import io.kvraft.raft.Message;
import io.kvraft.raft.Message.AppendRequest;
import io.kvraft.raft.Message.AppendResponse;
import io.kvraft.raft.Message.Heartbeat;
import io.kvraft.raft.Message.HeartbeatResponse;
import io.kvraft.raft.Message.ReadIndexRequest;
import io.kvraft.raft.Message.ReadIndexResponse;
import io.kvraft.raft.Message.VoteRequest;
import io.kvraft.raft.Message.VoteResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Compact binary encoding of batches of Raft messages for node-to-node HTTP. Binary rather than
 * JSON because the append path carries every client write and its CPU cost bounds throughput.
 * Decoding rejects malformed input with {@link MalformedMessageException}; sizes are bounded so a
 * hostile body cannot make it allocate without limit.
 */
public final class MessageCodec {
  private static final int VERSION = 1;
  private static final int MAX_MESSAGES = 100_000;
  private static final int MAX_ID_BYTES = 256;

  private MessageCodec() {}

  public static final class MalformedMessageException extends IOException {
    public MalformedMessageException(String msg) {
      super(msg);
    }
  }

  public static byte[] encode(List<Message> batch) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + estimate(batch));
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeInt(batch.size());
      for (Message m : batch) {
        write(out, m);
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The exact length {@link #encode} would return, measured without building it (entry data is only
   * counted).
   */
  public static int encodedSize(List<Message> batch) {
    DataOutputStream measure = new DataOutputStream(OutputStream.nullOutputStream());
    writeTo(batch, measure);
    return measure.size();
  }

  /**
   * Writes the encoding of {@code batch} straight into {@code out}, so that a 1 MiB entry is not
   * first copied into a buffer and then out of it once per follower (issue 12: each such array is a
   * humongous object).
   */
  public static void writeTo(List<Message> batch, OutputStream out) {
    try {
      DataOutputStream data = out instanceof DataOutputStream d ? d : new DataOutputStream(out);
      data.writeByte(VERSION);
      data.writeInt(batch.size());
      for (Message m : batch) {
        write(data, m);
      }
      data.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int estimate(List<Message> batch) {
    long n = 0;
    for (Message m : batch) {
      n += encodedSizeEstimate(m);
    }
    return (int) Math.min(n, Integer.MAX_VALUE - 64);
  }

  /** Roughly how many bytes {@code m} takes encoded; used to bound queues and batches by size. */
  public static long encodedSizeEstimate(Message m) {
    long n = 48;
    if (m instanceof AppendRequest a) {
      for (Entry e : a.entries()) {
        n += e.data().length + 24;
      }
    }
    return n;
  }

  private static void write(DataOutputStream out, Message m) throws IOException {
    if (m instanceof VoteRequest v) {
      header(out, 1, m);
      out.writeLong(v.lastLogIndex());
      out.writeLong(v.lastLogTerm());
      out.writeBoolean(v.preVote());
    } else if (m instanceof VoteResponse v) {
      header(out, 2, m);
      out.writeBoolean(v.granted());
      out.writeBoolean(v.preVote());
    } else if (m instanceof AppendRequest a) {
      header(out, 3, m);
      out.writeLong(a.prevLogIndex());
      out.writeLong(a.prevLogTerm());
      out.writeLong(a.leaderCommit());
      out.writeInt(a.entries().size());
      for (Entry e : a.entries()) {
        out.writeLong(e.term());
        out.writeLong(e.index());
        out.writeByte(e.type().tag());
        out.writeInt(e.data().length);
        out.write(e.data());
      }
    } else if (m instanceof AppendResponse a) {
      header(out, 4, m);
      out.writeBoolean(a.success());
      out.writeLong(a.matchIndex());
      out.writeLong(a.rejectedPrevIndex());
      out.writeLong(a.conflictTerm());
      out.writeLong(a.conflictIndex());
    } else if (m instanceof Heartbeat h) {
      header(out, 5, m);
      out.writeLong(h.commit());
      out.writeLong(h.readRound());
    } else if (m instanceof HeartbeatResponse h) {
      header(out, 6, m);
      out.writeLong(h.readRound());
    } else if (m instanceof ReadIndexRequest r) {
      header(out, 7, m);
      out.writeLong(r.requestId());
    } else if (m instanceof ReadIndexResponse r) {
      header(out, 8, m);
      out.writeLong(r.requestId());
      out.writeLong(r.readIndex());
    } else {
      throw new IllegalArgumentException("unknown message " + m);
    }
  }

  private static void header(DataOutputStream out, int type, Message m) throws IOException {
    out.writeByte(type);
    out.writeUTF(m.from());
    out.writeUTF(m.to());
    out.writeLong(m.term());
  }

  public static List<Message> decode(byte[] body) throws MalformedMessageException {
    return decode(new ByteArrayInputStream(body), body.length);
  }

  /**
   * Decodes a batch of exactly {@code length} bytes read from {@code source}, without first copying
   * it into an array of its own (a follower receives every 1 MiB entry this way; issue 12). Reads
   * no byte past the batch.
   */
  public static List<Message> decode(InputStream source, int length)
      throws MalformedMessageException {
    Bounded bounded = new Bounded(source, length);
    try {
      DataInputStream in = new DataInputStream(bounded);
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new MalformedMessageException("unsupported message encoding version " + version);
      }
      int count = in.readInt();
      if (count < 0 || count > MAX_MESSAGES) {
        throw new MalformedMessageException("bad message count " + count);
      }
      List<Message> out = new ArrayList<>(Math.min(count, 1024));
      for (int i = 0; i < count; i++) {
        out.add(read(in, length));
      }
      if (bounded.left > 0) {
        throw new MalformedMessageException("trailing bytes after " + count + " messages");
      }
      return out;
    } catch (MalformedMessageException e) {
      throw e;
    } catch (EOFException e) {
      throw new MalformedMessageException("truncated message batch");
    } catch (IOException | IllegalArgumentException e) {
      throw new MalformedMessageException("malformed message batch: " + e.getMessage());
    }
  }

  /** The next {@code left} bytes of a stream, then end of stream. */
  private static final class Bounded extends InputStream {
    private final InputStream in;
    private long left;

    Bounded(InputStream in, long left) {
      this.in = in;
      this.left = left;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return len == 0 ? 0 : -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }

  private static Message read(DataInputStream in, int bodyLength) throws IOException {
    int type = in.readUnsignedByte();
    String from = readId(in);
    String to = readId(in);
    long term = nonNegative(in.readLong(), "term");
    switch (type) {
      case 1:
        return new VoteRequest(
            from,
            to,
            term,
            nonNegative(in.readLong(), "index"),
            nonNegative(in.readLong(), "term"),
            in.readBoolean());
      case 2:
        return new VoteResponse(from, to, term, in.readBoolean(), in.readBoolean());
      case 3:
        {
          long prevIndex = nonNegative(in.readLong(), "index");
          long prevTerm = nonNegative(in.readLong(), "term");
          long commit = nonNegative(in.readLong(), "commit");
          int n = in.readInt();
          if (n < 0 || n > bodyLength / 21) {
            throw new MalformedMessageException("bad entry count " + n);
          }
          List<Entry> entries = new ArrayList<>(n);
          long expected = prevIndex + 1;
          for (int i = 0; i < n; i++) {
            long t = in.readLong();
            long idx = in.readLong();
            int kind = in.readUnsignedByte();
            int len = in.readInt();
            Entry.Type entryType = Entry.Type.ofTag(kind);
            if (idx != expected++ || len < 0 || len > bodyLength) {
              throw new MalformedMessageException("bad entry at position " + i);
            }
            if (entryType == null) {
              throw new MalformedMessageException(
                  "entry at position " + i + " has unknown type tag " + kind);
            }
            byte[] data = new byte[len];
            in.readFully(data);
            entries.add(new Entry(t, idx, entryType, data));
          }
          return new AppendRequest(from, to, term, prevIndex, prevTerm, entries, commit);
        }
      case 4:
        return new AppendResponse(
            from,
            to,
            term,
            in.readBoolean(),
            in.readLong(),
            in.readLong(),
            in.readLong(),
            in.readLong());
      case 5:
        return new Heartbeat(from, to, term, nonNegative(in.readLong(), "commit"), in.readLong());
      case 6:
        return new HeartbeatResponse(from, to, term, in.readLong());
      case 7:
        return new ReadIndexRequest(from, to, term, in.readLong());
      case 8:
        return new ReadIndexResponse(from, to, term, in.readLong(), in.readLong());
      default:
        throw new MalformedMessageException("unknown message type " + type);
    }
  }

  private static String readId(DataInputStream in) throws IOException {
    String s = in.readUTF();
    if (s.isEmpty() || s.length() > MAX_ID_BYTES) {
      throw new MalformedMessageException("bad node id");
    }
    return s;
  }

  private static long nonNegative(long v, String what) throws MalformedMessageException {
    if (v < 0) {
      throw new MalformedMessageException("negative " + what);
    }
    return v;
  }
}
