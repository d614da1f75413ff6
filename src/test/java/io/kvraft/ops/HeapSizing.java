package io.kvraft.ops;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sizing README.md documents ("Sizing"), for the checks that the Dockerfile, docker-compose.yml
 * and the Helm chart give a node that much heap.
 */
final class HeapSizing {
  /**
   * The heap README.md recommends for 1,000,000 keys of 100 bytes (bench/memory.sh measures it).
   */
  static final long RECOMMENDED_HEAP_MIB = 768;

  private static final Pattern QUANTITY = Pattern.compile("(\\d+)\\s*([KMGkmg]i?)?[bB]?");
  private static final Pattern MAX_RAM_PERCENTAGE =
      Pattern.compile("-XX:MaxRAMPercentage=(\\d+(?:\\.\\d+)?)");

  private HeapSizing() {}

  /** A Kubernetes quantity ("1Gi", "768Mi") or a compose size ("1g", "768m") in MiB. */
  static long mebibytes(String quantity) {
    Matcher m = QUANTITY.matcher(quantity.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a memory size: " + quantity);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1).toUpperCase();
    return switch (unit) {
      case "K" -> n / 1024;
      case "M" -> n;
      case "G" -> n * 1024;
      default -> n / (1024 * 1024);
    };
  }

  /** The heap the JVM takes under a memory limit with these options. */
  static long heapMib(long limitMib, String javaOptions) {
    Matcher m = MAX_RAM_PERCENTAGE.matcher(javaOptions);
    if (!m.find()) {
      throw new IllegalArgumentException("no -XX:MaxRAMPercentage in " + javaOptions);
    }
    return (long) (limitMib * Double.parseDouble(m.group(1)) / 100);
  }
}
