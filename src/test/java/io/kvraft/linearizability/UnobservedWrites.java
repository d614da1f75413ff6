package io.kvraft.linearizability;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes, from one key's history, writes with unknown outcome that nothing can have observed. This
 * keeps the verdict exact while saving the search from carrying ops that stay pending forever (each
 * one doubles the configurations it can reach).
 *
 * <p>Such a write W is a put, append or conditional put (never a delete: the absence it leaves is
 * seen by reads, by creates and, through the empty value appends start from, by later reads) whose
 * value no completed read contains, on a key where every revision an op saw or expected is claimed
 * by a completed write, and where no delete succeeded. Then:
 *
 * <ul>
 *   <li>if the history without W is linearizable, so is the history with it: put W last, which its
 *       open-ended interval allows and which changes no other op's answer;
 *   <li>conversely, take a linearization with W and drop W: only ops between W and the next write
 *       that takes effect see a different state. A read there would contain W's value, a 412 there
 *       would report W's revision (claimed by no completed write), a conditional write there that
 *       succeeded would have expected W's revision or deleted what W created; an unknown-outcome op
 *       there can move to the end. Later appends carry W's value into every read after them, which
 *       the first condition excludes, and later revisions only need to exceed a lower one.
 * </ul>
 */
final class UnobservedWrites {
  private UnobservedWrites() {}

  static List<Operation> removeFrom(List<Operation> keyOps) {
    if (anyUnexplainedRevision(keyOps) || anySuccessfulDelete(keyOps)) {
      return keyOps;
    }
    List<String> valuesRead =
        keyOps.stream()
            .filter(op -> op.output() instanceof KvOutput.Value)
            .map(op -> ((KvOutput.Value) op.output()).value())
            .toList();
    return keyOps.stream()
        .filter(
            op ->
                !op.isOutcomeUnknown()
                    || op.input() instanceof KvOp.Delete
                    || valuesRead.stream()
                        .anyMatch(read -> read.contains(KeyModel.writtenValue(op.input()))))
        .toList();
  }

  private static boolean anyUnexplainedRevision(List<Operation> keyOps) {
    Set<Long> claimed = new HashSet<>();
    for (Operation op : keyOps) {
      if (op.output() instanceof KvOutput.Ok ok) {
        claimed.add(ok.revision());
      }
    }
    return RevisionChoices.of(keyOps, claimed).anyUnclaimed();
  }

  private static boolean anySuccessfulDelete(List<Operation> keyOps) {
    return keyOps.stream()
        .anyMatch(
            op ->
                op.input() instanceof KvOp.Delete
                    && (op.output() instanceof KvOutput.Ok || op.output() instanceof KvOutput.Ack));
  }
}
