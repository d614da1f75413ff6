package io.kvraft.raft.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.Entry;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
  private static final int TAG_AT = 4 + 8 + 8;

  private static byte[] frame(Entry e) {
    ByteBuffer out = ByteBuffer.allocate(RecordCodec.frameSize(e));
    RecordCodec.encode(e, out);
    return out.array();
  }

  @Test
  void entryTypesAreWrittenAsTheirFixedTags() {
    for (Entry e : List.of(Entry.noop(2, 5), Entry.command(2, 5, "v".getBytes()))) {
      byte[] f = frame(e);
      assertThat(f[TAG_AT])
          .as("%s", e.type())
          .isEqualTo(e.type() == Entry.Type.NOOP ? (byte) 0 : (byte) 1);
      assertThat(RecordCodec.decode(f, 0, f.length))
          .isEqualTo(new RecordCodec.Decoded.Valid(e, f.length));
    }
  }

  /**
   * A record of a type this version does not know is refused, even with a valid checksum, never
   * read as a command.
   */
  @Test
  void anUnknownTypeTagWithAValidChecksumIsRefused() {
    byte[] f = frame(Entry.command(2, 5, "v".getBytes()));
    f[TAG_AT] = 2;
    int payloadLength = f.length - 8;
    CRC32C crc = new CRC32C();
    crc.update(f, 4, payloadLength);
    ByteBuffer.wrap(f).putInt(4 + payloadLength, (int) crc.getValue());
    RecordCodec.Decoded d = RecordCodec.decode(f, 0, f.length);
    assertThat(d).isInstanceOf(RecordCodec.Decoded.Invalid.class);
    assertThat(((RecordCodec.Decoded.Invalid) d).reason()).contains("type tag 2");
  }
}
