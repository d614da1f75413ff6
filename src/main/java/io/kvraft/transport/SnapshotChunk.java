package io.kvraft.transport;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One piece of an InstallSnapshot transfer (Raft §7), POSTed to {@code /raft/snapshot}: {@code
 * data} is the snapshot file's bytes from {@code offset}, out of {@code totalLength}. A chunk with
 * no data asks the follower where to resume. The follower answers with a {@link Reply}; the
 * transfer is keyed by (snapshotIndex, snapshotTerm), so a new leader sending the same snapshot
 * resumes the old leader's partial transfer.
 */
public record SnapshotChunk(
    String from,
    String to,
    long term,
    long snapshotIndex,
    long snapshotTerm,
    long totalLength,
    long offset,
    byte[] data) {

  private static final int VERSION = 1;
  private static final int MAX_ID = 256;

  /** A reply's status; each has a fixed wire tag, never renumbered. */
  public enum Status {
    /** Send from {@code nextOffset} on. */
    CONTINUE(0),
    /** Installed (or already covered) and durable on the follower. */
    DONE(1),
    /** Refused: the sender is not the current leader; {@code term} says the follower's term. */
    REJECTED(2);

    private final int tag;

    Status(int tag) {
      this.tag = tag;
    }

    static Status ofTag(int tag) {
      for (Status s : values()) {
        if (s.tag == tag) {
          return s;
        }
      }
      return null;
    }
  }

  public record Reply(Status status, long term, long nextOffset) {
    public byte[] encode() {
      return SnapshotChunk.write(
          out -> {
            out.writeByte(VERSION);
            out.writeByte(status.tag);
            out.writeLong(term);
            out.writeLong(nextOffset);
          });
    }

    public static Reply decode(byte[] body) throws MessageCodec.MalformedMessageException {
      try {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        if (in.readUnsignedByte() != VERSION) {
          throw new MessageCodec.MalformedMessageException("unsupported snapshot reply version");
        }
        int tag = in.readUnsignedByte();
        Status s = Status.ofTag(tag);
        if (s == null) {
          throw new MessageCodec.MalformedMessageException("bad snapshot reply status " + tag);
        }
        return new Reply(s, in.readLong(), in.readLong());
      } catch (MessageCodec.MalformedMessageException e) {
        throw e;
      } catch (IOException e) {
        throw new MessageCodec.MalformedMessageException("malformed snapshot reply: " + e);
      }
    }
  }

  public byte[] encode() {
    return write(
        out -> {
          out.writeByte(VERSION);
          out.writeUTF(from);
          out.writeUTF(to);
          out.writeLong(term);
          out.writeLong(snapshotIndex);
          out.writeLong(snapshotTerm);
          out.writeLong(totalLength);
          out.writeLong(offset);
          out.writeInt(data.length);
          out.write(data);
        });
  }

  public static SnapshotChunk decode(byte[] body) throws MessageCodec.MalformedMessageException {
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
      if (in.readUnsignedByte() != VERSION) {
        throw new MessageCodec.MalformedMessageException("unsupported snapshot chunk version");
      }
      String from = in.readUTF();
      String to = in.readUTF();
      long term = in.readLong();
      long index = in.readLong();
      long snapTerm = in.readLong();
      long total = in.readLong();
      long offset = in.readLong();
      int n = in.readInt();
      if (from.isEmpty()
          || to.isEmpty()
          || from.length() > MAX_ID
          || to.length() > MAX_ID
          || term < 0
          || index < 1
          || snapTerm < 1
          || total < 0
          || offset < 0
          || n < 0
          || n > body.length
          || n > total - offset) { // not offset + n > total, which a huge offset overflows past
        throw new MessageCodec.MalformedMessageException("bad snapshot chunk header");
      }
      byte[] data = new byte[n];
      in.readFully(data);
      if (in.available() > 0) {
        throw new MessageCodec.MalformedMessageException("trailing bytes after snapshot chunk");
      }
      return new SnapshotChunk(from, to, term, index, snapTerm, total, offset, data);
    } catch (MessageCodec.MalformedMessageException e) {
      throw e;
    } catch (java.io.EOFException e) {
      throw new MessageCodec.MalformedMessageException("truncated snapshot chunk");
    } catch (IOException e) {
      // The message only: the exception's class name is an internal detail an error body must not
      // show.
      throw new MessageCodec.MalformedMessageException(
          "malformed snapshot chunk: " + e.getMessage());
    }
  }

  private interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  private static byte[] write(Body body) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      body.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
