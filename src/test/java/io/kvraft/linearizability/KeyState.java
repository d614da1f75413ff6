package io.kvraft.linearizability;

/**
 * The model's state of one key: its value ({@code null} when absent) and the revision of the last
 * write that changed it (0 before any). After a delete the key is absent but keeps the delete's
 * revision, because revisions are log indexes and the next write's must be higher still.
 */
record KeyState(String value, long revision) {
  static final KeyState INITIAL = new KeyState(null, 0);

  boolean present() {
    return value != null;
  }

  /** What an append extends and what a read without a recorded revision compares with. */
  String valueOrEmpty() {
    return value == null ? "" : value;
  }

  /** The revision a 412 reports: the key's, or 0 (no ETag) when it is absent. */
  long reportedRevision() {
    return value == null ? 0 : revision;
  }

  @Override
  public String toString() {
    return value == null
        ? "absent" + (revision > 0 ? " (deleted at " + revision + ")" : "")
        : "'" + value + "'@" + revision;
  }
}
