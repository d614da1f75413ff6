package io.kvraft.kv;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Binary encoding of {@link KvCommand} for Raft log payloads.
 *
 * <pre>
 * byte    version (high nibble) | type (low nibble: 1 Put, 2 Append, 3 Delete, 4 Register)
 * Register: varint timestampMillis
 * Put/Append/Delete:
 *   varint  clientId length + 1 (0 = no client id), UTF-8 bytes
 *   varint  seq
 *   varint  timestampMillis
 *   varint  key length, UTF-8 bytes
 *   Put/Delete: byte precondition (0 none, 1 ifMatch, 2 ifNoneMatch) [varint revision if ifMatch]
 *   Put/Append: varint value length, value bytes
 * </pre>
 *
 * Version 2 is written. Version 1 (Put/Append/Delete only, same fields) was written before client
 * sessions were registered through the log; it still decodes, as a {@link KvCommand.Legacy} write,
 * so logs and snapshots of that version load and replay to the same state. Each version has its own
 * set of types: a Register tagged version 1 is refused. Nothing may follow the last field, so
 * truncation and trailing garbage are both detected.
 */
public final class KvCommandCodec {
  private static final int LEGACY_VERSION = 1;
  private static final int VERSION = 2;
  private static final int PUT = 1;
  private static final int APPEND = 2;
  private static final int DELETE = 3;
  private static final int REGISTER = 4;

  private static final int PRE_NONE = 0;
  private static final int PRE_IF_MATCH = 1;
  private static final int PRE_IF_NONE_MATCH = 2;

  private KvCommandCodec() {}

  /**
   * The command's bytes in one array of exactly their size. A value may be 1 MiB, and every array
   * that large is a humongous object under G1 (two regions at -Xmx256m), so the encoding is
   * measured first (the value is only counted) and written once into its final array, not grown in
   * a buffer and copied out of it (issue 12).
   */
  public static byte[] encode(KvCommand cmd) {
    try {
      DataOutputStream measure = new DataOutputStream(OutputStream.nullOutputStream());
      writeTo(measure, cmd);
      ExactBuffer bytes = new ExactBuffer(measure.size());
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        writeTo(out, cmd);
      }
      return bytes.array();
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory stream cannot fail", e);
    }
  }

  private static void writeTo(DataOutputStream out, KvCommand cmd) throws IOException {
    if (cmd instanceof KvCommand.Register r) {
      out.writeByte(VERSION << 4 | REGISTER);
      Wire.writeVarLong(out, r.timestampMillis());
    } else if (cmd instanceof KvCommand.Legacy l) {
      writeWrite(out, LEGACY_VERSION, l.write());
    } else {
      writeWrite(out, VERSION, (KvCommand.Write) cmd);
    }
    out.flush();
  }

  /** A stream into an array of a known size, handed out as it is. */
  private static final class ExactBuffer extends OutputStream {
    private final byte[] buf;
    private int at;

    ExactBuffer(int size) {
      this.buf = new byte[size];
    }

    @Override
    public void write(int b) {
      buf[at++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      System.arraycopy(b, off, buf, at, len);
      at += len;
    }

    byte[] array() {
      if (at != buf.length) {
        throw new IllegalStateException("encoded " + at + " bytes of " + buf.length + " measured");
      }
      return buf;
    }
  }

  private static void writeWrite(DataOutputStream out, int version, KvCommand.Write cmd)
      throws IOException {
    out.writeByte(version << 4 | typeOf(cmd));
    Wire.writeNullableString(out, cmd.clientId());
    Wire.writeVarLong(out, cmd.seq());
    Wire.writeVarLong(out, cmd.timestampMillis());
    Wire.writeString(out, cmd.key());
    if (cmd instanceof KvCommand.Put p) {
      writePrecondition(out, p.pre());
      Wire.writeBytes(out, p.value());
    } else if (cmd instanceof KvCommand.Append a) {
      Wire.writeBytes(out, a.value());
    } else if (cmd instanceof KvCommand.Delete d) {
      writePrecondition(out, d.pre());
    }
  }

  /**
   * @throws IllegalArgumentException for anything that is not a valid encoding (the only exception
   *     it throws)
   */
  public static KvCommand decode(byte[] data) {
    if (data == null || data.length == 0) {
      throw new IllegalArgumentException("empty command payload");
    }
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
      int head = in.readUnsignedByte();
      int version = head >>> 4;
      int type = head & 0x0F;
      if (version != VERSION && version != LEGACY_VERSION) {
        throw new IllegalArgumentException("unsupported command version " + version);
      }
      boolean known =
          type == PUT
              || type == APPEND
              || type == DELETE
              || (type == REGISTER && version == VERSION);
      if (!known) {
        throw new IllegalArgumentException(
            "unknown command type " + type + " in version " + version);
      }
      KvCommand cmd;
      if (type == REGISTER) {
        cmd = new KvCommand.Register(Wire.readVarLong(in));
      } else {
        KvCommand.Write write = readWrite(in, type);
        cmd = version == LEGACY_VERSION ? new KvCommand.Legacy(write) : write;
      }
      if (in.available() > 0) {
        throw new IllegalArgumentException(in.available() + " trailing bytes after command");
      }
      return cmd;
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Contract: a corrupt payload is reported one way only, whatever part of decoding noticed it.
      throw new IllegalArgumentException("malformed command: " + e.getMessage(), e);
    }
  }

  private static KvCommand.Write readWrite(DataInputStream in, int type) throws IOException {
    String clientId = Wire.readNullableString(in);
    long seq = Wire.readVarLong(in);
    long timestamp = Wire.readVarLong(in);
    String key = Wire.readString(in);
    return switch (type) {
      case PUT -> {
        Precondition pre = readPrecondition(in);
        yield new KvCommand.Put(
            clientId, seq, timestamp, key, Wire.readBytes(in, Integer.MAX_VALUE - 8), pre);
      }
      case APPEND ->
          new KvCommand.Append(
              clientId, seq, timestamp, key, Wire.readBytes(in, Integer.MAX_VALUE - 8));
      case DELETE -> new KvCommand.Delete(clientId, seq, timestamp, key, readPrecondition(in));
      default -> throw new AssertionError("type checked by the caller: " + type);
    };
  }

  private static int typeOf(KvCommand.Write cmd) {
    if (cmd instanceof KvCommand.Put) {
      return PUT;
    }
    if (cmd instanceof KvCommand.Append) {
      return APPEND;
    }
    return DELETE;
  }

  private static void writePrecondition(DataOutputStream out, Precondition pre) throws IOException {
    if (pre instanceof Precondition.IfMatch m) {
      out.writeByte(PRE_IF_MATCH);
      Wire.writeVarLong(out, m.revision());
    } else if (pre instanceof Precondition.IfNoneMatch) {
      out.writeByte(PRE_IF_NONE_MATCH);
    } else {
      out.writeByte(PRE_NONE);
    }
  }

  private static Precondition readPrecondition(DataInputStream in) throws IOException {
    int kind = in.readUnsignedByte();
    return switch (kind) {
      case PRE_NONE -> Precondition.none();
      case PRE_IF_MATCH -> Precondition.ifMatch(Wire.readVarLong(in));
      case PRE_IF_NONE_MATCH -> Precondition.ifNoneMatch();
      default -> throw new IllegalArgumentException("unknown precondition " + kind);
    };
  }
}
